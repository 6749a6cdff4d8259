"""RunMemo: a value computed once per run and key, never handed to another run, forgotten on release."""

from relationship_pipeline.run_memo import RunMemo


def test_a_value_is_computed_once_per_run_and_forgotten_on_release_or_a_new_run():
    memo, calls = RunMemo(), []

    def compute(tag):
        calls.append(tag)
        return tag

    assert memo.get("run-1", "k", lambda: compute("a")) == "a"
    assert memo.get("run-1", "k", lambda: compute("b")) == "a"  # the same run: reused
    assert memo.get("run-2", "k", lambda: compute("c")) == "c"  # another run: computed again
    memo.release("run-1", "k")  # not the current run: nothing happens
    assert memo.get("run-2", "k", lambda: compute("d")) == "c"
    memo.release("run-2", "k")
    assert memo.get("run-2", "k", lambda: compute("e")) == "e"
    assert calls == ["a", "c", "e"]
