-- The peer a data team would write instead of the pipeline: the same core computation as
-- hand-written DuckDB SQL over the same input folder (benchmarks/peer.py fills in the placeholders).
--
--   daily pair strength   per direction (ours → theirs, theirs → ours, live), each
--                         Σ w · 2^(−(end of d − t)/H) stored on the days it changes, and their
--                         balance: mutual + min(out, cap·(in + mutual)) + min(in, cap·(out + mutual))
--   published pairs       score ≥ ${min_published_score} (count per day)
--   engaged stakeholders  per account and day: externals whose best pair score ≥ ${engaged_min_score}
--   engagement (seed 004) per account and day: Σ channel weight × recency weight over the contacts
--                         reached on their side of two-way channels, ÷ CRM contacts
--
-- Times are epoch days (DOUBLE, UTC); a day is its epoch-day number; the end of day d is d + 1.
-- Interactions, people and accounts get integer keys early: joins and windows run on integers.
-- Statements are separated by a line holding only ';;' so peer.py can time each step.

SET TimeZone = 'UTC';
;;
-- CRM ---------------------------------------------------------------------------------------
CREATE OR REPLACE TABLE team AS
SELECT DISTINCT lower(trim(address)) AS address
FROM read_csv('${crm}/team.csv', all_varchar = true, header = true)
WHERE coalesce(trim(address), '') <> '';
;;
CREATE OR REPLACE TABLE internal_domains AS
SELECT DISTINCT split_part(address, '@', 2) AS domain FROM team;
;;
CREATE OR REPLACE TABLE accounts AS
SELECT CAST(row_number() OVER (ORDER BY account_id) AS INTEGER) AS acc, account_id, domains
FROM (
    SELECT trim(account_id) AS account_id, any_value(domains) AS domains
    FROM read_csv('${crm}/accounts.csv', all_varchar = true, header = true)
    WHERE coalesce(trim(account_id), '') <> ''
    GROUP BY 1
);
;;
CREATE OR REPLACE TABLE account_domains AS
SELECT domain, min(acc) AS acc
FROM (SELECT acc, lower(trim(unnest(string_split(domains, ';')))) AS domain FROM accounts)
WHERE domain <> ''
GROUP BY domain;
;;
CREATE OR REPLACE TABLE contacts AS
SELECT c.address, a.acc
FROM (
    SELECT lower(trim(address)) AS address, any_value(trim(account_id)) AS account_id
    FROM read_csv('${crm}/contacts.csv', all_varchar = true, header = true)
    WHERE coalesce(trim(address), '') <> ''
    GROUP BY 1
) c JOIN accounts a USING (account_id);
;;
CREATE OR REPLACE TABLE contacts_per_account AS
SELECT acc, count(*) AS contacts FROM contacts GROUP BY acc;
;;
-- Interactions: iid = 3 · row + channel (0 email, 1 meeting, 2 call) -----------------------------
-- Emails: From / To / Cc, each "Name <addr>" or a bare addr.
CREATE OR REPLACE TABLE email_rows AS
SELECT 3 * CAST(row_number() OVER () AS BIGINT) AS iid,
       epoch(CAST(sent_at AS TIMESTAMPTZ)) / 86400.0 AS t,
       "from" AS sender, "to" AS rcpt_to, cc,
       regexp_replace(lower(trim(coalesce(subject, ''))), '\s+', ' ', 'g') AS subj
FROM ${email_source};
;;
CREATE OR REPLACE TABLE meeting_rows AS
SELECT 3 * CAST(row_number() OVER () AS BIGINT) + 1 AS iid,
       epoch(CAST(start AS TIMESTAMPTZ)) / 86400.0 AS t,
       epoch(CAST(nullif(trim("end"), '') AS TIMESTAMPTZ)) - epoch(CAST(start AS TIMESTAMPTZ)) AS duration_s,
       lower(trim(coalesce(status, ''))) AS status, organizer, attendees
FROM ${meeting_source};
;;
CREATE OR REPLACE TABLE call_rows AS
SELECT 3 * CAST(row_number() OVER () AS BIGINT) + 2 AS iid,
       epoch(CAST(started_at AS TIMESTAMPTZ)) / 86400.0 AS t,
       TRY_CAST(duration_s AS DOUBLE) AS duration_s,
       lower(trim(coalesce(status, ''))) AS status, caller, callee
FROM ${call_source};
;;
-- Every (interaction, address cell item), then normalised: the address inside <...> or the item.
-- An email's writer is the first From item; everyone else only received it.
CREATE OR REPLACE TABLE raw_parts AS
WITH items AS (
    SELECT iid, raw, wrote FROM (
        SELECT iid, unnest(string_split(coalesce(sender, ''), ';')) AS raw,
               generate_subscripts(string_split(coalesce(sender, ''), ';'), 1) = 1 AS wrote
        FROM email_rows
    )
    UNION ALL
    SELECT iid, unnest(string_split(coalesce(rcpt_to, '') || ';' || coalesce(cc, ''), ';')), false FROM email_rows
    UNION ALL
    SELECT iid, unnest(string_split(coalesce(organizer, '') || ';' || coalesce(attendees, ''), ';')), false FROM meeting_rows
    UNION ALL SELECT iid, caller, false FROM call_rows
    UNION ALL SELECT iid, callee, false FROM call_rows
)
SELECT iid, lower(trim(CASE WHEN contains(raw, '<') THEN split_part(split_part(raw, '<', 2), '>', 1) ELSE raw END)) AS address, wrote
FROM items
WHERE coalesce(trim(raw), '') <> '';
;;
-- Who is who: our team or an internal domain; else a CRM contact's account; else a domain's.
CREATE OR REPLACE TABLE people AS
SELECT CAST(row_number() OVER (ORDER BY p.address) AS INTEGER) AS pid, p.address,
       (t.address IS NOT NULL OR i.domain IS NOT NULL) AS internal,
       coalesce(c.acc, d.acc) AS acc
FROM (SELECT DISTINCT address FROM raw_parts) p
LEFT JOIN team t ON t.address = p.address
LEFT JOIN internal_domains i ON i.domain = split_part(p.address, '@', 2)
LEFT JOIN contacts c ON c.address = p.address
LEFT JOIN account_domains d ON d.domain = split_part(p.address, '@', 2);
;;
CREATE OR REPLACE TABLE parts AS
SELECT r.iid, p.pid, any_value(p.internal) AS internal, any_value(p.acc) AS acc, bool_or(r.wrote) AS wrote
FROM raw_parts r JOIN people p USING (address)
GROUP BY r.iid, p.pid;
;;
-- Undecayed weight before group dilution.
CREATE OR REPLACE TABLE inter AS
SELECT e.iid, 0 AS channel, e.t,
       CASE WHEN ${auto_reply_condition} OR ${bounce_condition}
            THEN ${email_weight} * ${automated_email_weight} ELSE ${email_weight} END AS base_w
FROM email_rows e
UNION ALL
SELECT iid, 1, t,
       CASE WHEN status IN ('cancelled', 'canceled') THEN 0.0
            ELSE ${meeting_weight} * coalesce(greatest(least(duration_s / ${meeting_reference_s}, ${duration_max}), ${duration_min}), 1.0) END
FROM meeting_rows
UNION ALL
SELECT iid, 2, t,
       CASE WHEN status IN (${answered_statuses})
            THEN ${call_weight} * coalesce(greatest(least(duration_s / ${call_reference_s}, ${duration_max}), ${duration_min}), 1.0)
            ELSE 0.0 END
FROM call_rows;
;;
-- Touches: interaction × internal × external, weight diluted by group size (n − 1)^(−exponent).
-- dir: 0 ours → theirs, 1 theirs → ours, 2 live (meeting, call). An email touches only the pairs
-- its writer is in: two of its recipients wrote each other nothing.
CREATE OR REPLACE TABLE touches AS
WITH sized AS (
    SELECT i.iid, i.channel, i.t, CAST(floor(i.t) AS INTEGER) AS day,
           i.base_w * pow(greatest(s.n - 1, 1), -${group_dilution_exponent}) AS w
    FROM inter i JOIN (SELECT iid, count(*) AS n FROM parts GROUP BY iid) s USING (iid)
    WHERE i.t >= ${first_day} AND i.t < ${last_day} + 1
),
ours AS (SELECT iid, pid, wrote FROM parts WHERE internal),
theirs AS (SELECT iid, pid, acc, wrote FROM parts WHERE NOT internal)
SELECT s.iid, s.channel, s.t, s.day, s.w, a.pid AS ip, b.pid AS ep, b.acc,
       CASE WHEN s.channel <> 0 THEN 2 WHEN a.wrote THEN 0 ELSE 1 END AS dir
FROM sized s JOIN ours a USING (iid) JOIN theirs b USING (iid)
WHERE s.channel <> 0 OR a.wrote <> b.wrote;
;;
-- Pair strength on the days it changes: S_c = Σ_{t < c + 1} w · 2^(−(c + 1 − t)/H), as a running
-- sum of w · 2^((t − first_day)/H) rescaled; any later day d before the next change is
-- S_c · 2^(−(d − c)/H).
CREATE OR REPLACE TABLE pair_changes AS
WITH directed AS (
    SELECT ip, ep, acc, day, next_day,
           sum(g_out) OVER w * pow(2.0, (${first_day} - day - 1) / ${half_life}) AS s_out,
           sum(g_in) OVER w * pow(2.0, (${first_day} - day - 1) / ${half_life}) AS s_in,
           sum(g_mut) OVER w * pow(2.0, (${first_day} - day - 1) / ${half_life}) AS s_mut
    FROM (
        SELECT ip, ep, any_value(acc) AS acc, day, lead(day) OVER (PARTITION BY ip, ep ORDER BY day) AS next_day,
               sum(CASE WHEN dir = 0 THEN g ELSE 0.0 END) AS g_out,
               sum(CASE WHEN dir = 1 THEN g ELSE 0.0 END) AS g_in,
               sum(CASE WHEN dir = 2 THEN g ELSE 0.0 END) AS g_mut
        FROM (SELECT ip, ep, acc, day, dir, w * pow(2.0, (t - ${first_day}) / ${half_life}) AS g FROM touches)
        GROUP BY ip, ep, day
    )
    WINDOW w AS (PARTITION BY ip, ep ORDER BY day)
)
SELECT ip, ep, acc, day, next_day,
       s_mut + least(s_out, ${balance_cap} * (s_in + s_mut)) + least(s_in, ${balance_cap} * (s_out + s_mut)) AS strength
FROM directed;
;;
-- Published pairs per day: each change row is published from its day while S_c · 2^(−k/H) ≥ the
-- threshold strength, until the next change.
CREATE OR REPLACE TABLE published_per_day AS
WITH iv AS (
    SELECT day AS lo,
           least(coalesce(next_day - 1, ${last_day}), ${last_day},
                 day + CAST(floor(${half_life} * log2(strength / ${published_strength})) AS INTEGER)) AS hi
    FROM pair_changes WHERE strength >= ${published_strength}
),
ev AS (
    SELECT lo AS day, count(*) AS delta FROM iv GROUP BY lo
    UNION ALL SELECT hi + 1, -count(*) FROM iv GROUP BY hi + 1
),
days AS (SELECT CAST(range AS INTEGER) AS day FROM range(${first_day}, ${last_day} + 1))
SELECT d.day, CAST(sum(coalesce(e.delta, 0)) OVER (ORDER BY d.day) AS BIGINT) AS published_pairs
FROM days d LEFT JOIN (SELECT day, sum(delta) AS delta FROM ev GROUP BY day) e USING (day);
;;
-- Engaged stakeholders: union, per external, of its pairs' engaged intervals (gaps and islands).
CREATE OR REPLACE TABLE engaged_islands AS
WITH iv AS (
    SELECT acc, ep, day AS lo,
           least(coalesce(next_day - 1, ${last_day}), ${last_day},
                 day + CAST(floor(${half_life} * log2(strength / ${engaged_strength})) AS INTEGER)) AS hi
    FROM pair_changes
    WHERE strength >= ${engaged_strength} AND acc IS NOT NULL
),
o AS (
    SELECT *, max(hi) OVER (PARTITION BY ep ORDER BY lo, hi ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_hi
    FROM iv
),
f AS (
    SELECT *, sum(CASE WHEN prev_hi IS NULL OR lo > prev_hi + 1 THEN 1 ELSE 0 END)
                  OVER (PARTITION BY ep ORDER BY lo, hi) AS island
    FROM o
)
SELECT any_value(acc) AS acc, ep, min(lo) AS lo, max(hi) AS hi
FROM f GROUP BY ep, island;
;;
-- Seed 004 engagement points per account and touch day: each live contact reached once per
-- interaction, their side of two-way channels (dir 1: their email; dir 2: meetings and calls).
CREATE OR REPLACE TABLE engagement_points_per_day AS
SELECT acc, day, sum(cw) AS points
FROM (
    SELECT iid, ep, acc, any_value(day) AS day, CASE any_value(channel) ${channel_weight_cases} END AS cw
    FROM touches
    WHERE acc IS NOT NULL AND dir <> 0
    GROUP BY iid, ep, acc
    HAVING max(w) > 0
)
GROUP BY acc, day;
;;
-- Both account series are running sums of events on a dense day axis: an engaged island adds 1
-- on its first day and −1 after its last; a day's points add (recency weight of bucket b −
-- weight of bucket b − 1) × points on the first day of each bucket, k days later (k = 0, 5, 10,
-- 30, 60 with the defaults; the whole weight leaves at the horizon).
CREATE OR REPLACE TABLE account_day AS
WITH steps(k, dw) AS (VALUES ${recency_steps}),
ev AS (
    SELECT acc, day, sum(d_engaged) AS d_engaged, sum(d_points) AS d_points FROM (
        SELECT acc, lo AS day, 1 AS d_engaged, 0.0 AS d_points FROM engaged_islands
        UNION ALL SELECT acc, hi + 1, -1, 0.0 FROM engaged_islands WHERE hi < ${last_day}
        UNION ALL
        SELECT p.acc, p.day + s.k, 0, p.points * s.dw
        FROM engagement_points_per_day p CROSS JOIN steps s WHERE p.day + s.k <= ${last_day}
    ) GROUP BY acc, day
),
-- running sums on the event days only, then every day takes the last event day's (ASOF join)
running AS (
    SELECT acc, day, sum(d_engaged) OVER w AS engaged_stakeholders, sum(d_points) OVER w AS engagement_points
    FROM ev
    WINDOW w AS (PARTITION BY acc ORDER BY day ROWS UNBOUNDED PRECEDING)
),
grid AS (
    SELECT a.acc, CAST(r.range AS INTEGER) AS day FROM accounts a CROSS JOIN range(${first_day}, ${last_day} + 1) r
),
dense AS (
    SELECT g.acc, g.day, coalesce(r.engaged_stakeholders, 0) AS engaged_stakeholders,
           coalesce(r.engagement_points, 0.0) AS engagement_points
    FROM grid g ASOF LEFT JOIN running r ON g.acc = r.acc AND g.day >= r.day
)
SELECT r.acc, r.day, CAST(r.engaged_stakeholders AS INTEGER) AS engaged_stakeholders,
       r.engagement_points,
       CASE WHEN coalesce(c.contacts, 0) > 0 THEN r.engagement_points / c.contacts ELSE 0.0 END AS engagement_score
FROM dense r LEFT JOIN contacts_per_account c USING (acc);
;;
CREATE OR REPLACE VIEW account_day_named AS
SELECT a.account_id, d.day, d.engaged_stakeholders, d.engagement_points, d.engagement_score
FROM account_day d JOIN accounts a USING (acc);
