-- The peer a data team would write instead of the pipeline: the same core computation as
-- hand-written DuckDB SQL over the same input folder (benchmarks/peer.py fills in the placeholders).
--
--   daily pair strength   S(d) = Σ w · 2^(−(end of d − t)/H), stored on the days it changes
--   published pairs       score ≥ ${min_published_score} (count per day)
--   engaged stakeholders  per account and day: externals whose best pair score ≥ ${engaged_min_score}
--   engagement (seed 004) per account and day: Σ channel weight × recency weight ÷ CRM contacts
--
-- Times are epoch days (DOUBLE, UTC); a day is its epoch-day number; the end of day d is d + 1.
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
SELECT trim(account_id) AS account_id, domains
FROM read_csv('${crm}/accounts.csv', all_varchar = true, header = true)
WHERE coalesce(trim(account_id), '') <> '';
;;
CREATE OR REPLACE TABLE account_domains AS
SELECT domain, min(account_id) AS account_id
FROM (
    SELECT account_id, lower(trim(unnest(string_split(domains, ';')))) AS domain FROM accounts
)
WHERE domain <> ''
GROUP BY domain;
;;
CREATE OR REPLACE TABLE contacts AS
SELECT lower(trim(address)) AS address, any_value(trim(account_id)) AS account_id
FROM read_csv('${crm}/contacts.csv', all_varchar = true, header = true)
WHERE coalesce(trim(address), '') <> ''
GROUP BY 1;
;;
CREATE OR REPLACE TABLE contacts_per_account AS
SELECT account_id, count(DISTINCT address) AS contacts FROM contacts GROUP BY account_id;
;;
-- Interactions and their participants (one row per interaction × distinct address) ------------
-- Emails: every From / To / Cc address; "Name <addr>" or a bare addr.
CREATE OR REPLACE TABLE email_rows AS
SELECT row_number() OVER () AS n,
       epoch(CAST(sent_at AS TIMESTAMPTZ)) / 86400.0 AS t,
       "from" AS sender, "to" AS rcpt_to, cc,
       regexp_replace(lower(trim(coalesce(subject, ''))), '\s+', ' ', 'g') AS subj
FROM ${email_source};
;;
CREATE OR REPLACE TABLE email_parts AS
SELECT DISTINCT n, address FROM (
    SELECT n, lower(trim(CASE WHEN raw LIKE '%<%>%' THEN regexp_extract(raw, '<([^>]*)>', 1) ELSE raw END)) AS address
    FROM (
        SELECT n, unnest(string_split(coalesce(sender, '') || ';' || coalesce(rcpt_to, '') || ';' || coalesce(cc, ''), ';')) AS raw
        FROM email_rows
    )
)
WHERE address <> '';
;;
CREATE OR REPLACE TABLE email_senders AS
SELECT n, lower(trim(CASE WHEN raw LIKE '%<%>%' THEN regexp_extract(raw, '<([^>]*)>', 1) ELSE raw END)) AS address
FROM (SELECT n, unnest(string_split(coalesce(sender, ''), ';')) AS raw FROM email_rows);
;;
-- Meetings (CSV): organizer + attendees; duration from start/end; cancelled counts nothing.
CREATE OR REPLACE TABLE meeting_rows AS
SELECT row_number() OVER () AS n,
       epoch(CAST(start AS TIMESTAMPTZ)) / 86400.0 AS t,
       epoch(CAST(nullif(trim("end"), '') AS TIMESTAMPTZ)) - epoch(CAST(start AS TIMESTAMPTZ)) AS duration_s,
       lower(trim(coalesce(status, ''))) AS status, organizer, attendees
FROM ${meeting_source};
;;
CREATE OR REPLACE TABLE meeting_parts AS
SELECT DISTINCT n, address FROM (
    SELECT n, lower(trim(CASE WHEN raw LIKE '%<%>%' THEN regexp_extract(raw, '<([^>]*)>', 1) ELSE raw END)) AS address
    FROM (
        SELECT n, unnest(string_split(coalesce(organizer, '') || ';' || coalesce(attendees, ''), ';')) AS raw
        FROM meeting_rows
    )
)
WHERE address <> '';
;;
-- Calls: caller and callee; missed counts nothing.
CREATE OR REPLACE TABLE call_rows AS
SELECT row_number() OVER () AS n,
       epoch(CAST(started_at AS TIMESTAMPTZ)) / 86400.0 AS t,
       TRY_CAST(duration_s AS DOUBLE) AS duration_s,
       lower(trim(coalesce(status, ''))) AS status,
       lower(trim(caller)) AS caller, lower(trim(callee)) AS callee
FROM ${call_source};
;;
-- One table of interactions with their undecayed weight before group dilution.
CREATE OR REPLACE TABLE inter AS
SELECT 'e' || n AS iid, 'email' AS channel, t,
       CASE WHEN ${auto_reply_condition} OR n IN (SELECT n FROM email_senders WHERE ${bounce_condition})
            THEN ${email_weight} * ${automated_email_weight} ELSE ${email_weight} END AS base_w
FROM email_rows
UNION ALL
SELECT 'm' || n, 'meeting', t,
       CASE WHEN status IN ('cancelled', 'canceled') THEN 0.0
            ELSE ${meeting_weight} * coalesce(greatest(least(duration_s / ${meeting_reference_s}, ${duration_max}), ${duration_min}), 1.0) END
FROM meeting_rows
UNION ALL
SELECT 'c' || n, 'call', t,
       CASE WHEN status IN (${answered_statuses})
            THEN ${call_weight} * coalesce(greatest(least(duration_s / ${call_reference_s}, ${duration_max}), ${duration_min}), 1.0)
            ELSE 0.0 END
FROM call_rows;
;;
CREATE OR REPLACE TABLE parts AS
SELECT 'e' || n AS iid, address FROM email_parts
UNION ALL SELECT 'm' || n, address FROM meeting_parts
UNION ALL SELECT DISTINCT 'c' || n, address FROM (
    SELECT n, caller AS address FROM call_rows UNION ALL SELECT n, callee FROM call_rows
) WHERE coalesce(address, '') <> '';
;;
-- Who is who: our team or an internal domain; else a CRM contact's account; else a domain's.
CREATE OR REPLACE TABLE people AS
SELECT p.address,
       (p.address IN (SELECT address FROM team) OR split_part(p.address, '@', 2) IN (SELECT domain FROM internal_domains)) AS internal,
       coalesce(c.account_id, d.account_id, 'unassigned') AS account_id
FROM (SELECT DISTINCT address FROM parts) p
LEFT JOIN contacts c ON c.address = p.address
LEFT JOIN account_domains d ON d.domain = split_part(p.address, '@', 2);
;;
-- Touches: interaction × internal × external, weight diluted by group size (n − 1)^(−exponent).
CREATE OR REPLACE TABLE touches AS
WITH sized AS (
    SELECT i.iid, i.channel, i.t, CAST(floor(i.t) AS INTEGER) AS day,
           i.base_w * pow(greatest(count(*) - 1, 1), -${group_dilution_exponent}) AS w
    FROM inter i JOIN parts p USING (iid)
    WHERE i.t >= ${first_day} AND i.t < ${last_day} + 1
    GROUP BY i.iid, i.channel, i.t, i.base_w
),
who AS (SELECT p.iid, p.address, pe.internal, pe.account_id FROM parts p JOIN people pe USING (address))
SELECT s.iid, s.channel, s.t, s.day, s.w, a.address AS internal_address, b.address AS external_address, b.account_id
FROM sized s
JOIN who a ON a.iid = s.iid AND a.internal
JOIN who b ON b.iid = s.iid AND NOT b.internal;
;;
-- Pair strength on the days it changes: S_c = Σ_{t < c + 1} w · 2^(−(c + 1 − t)/H), as a running
-- sum of w · 2^((t − first_day)/H) rescaled; any later day d before the next change is
-- S_c · 2^(−(d − c)/H).
CREATE OR REPLACE TABLE pair_changes AS
SELECT internal_address, external_address, account_id, day,
       sum(g) OVER w * pow(2.0, (${first_day} - day - 1) / ${half_life}) AS strength,
       lead(day) OVER w AS next_day
FROM (
    SELECT internal_address, external_address, any_value(account_id) AS account_id, day,
           sum(w * pow(2.0, (t - ${first_day}) / ${half_life})) AS g
    FROM touches GROUP BY internal_address, external_address, day
)
WINDOW w AS (PARTITION BY internal_address, external_address ORDER BY day);
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
-- Engaged stakeholders per account and day: union, per external, of its pairs' engaged
-- intervals (gaps and islands), then +1/−1 events per account over a dense day axis.
CREATE OR REPLACE TABLE engaged_islands AS
WITH iv AS (
    SELECT account_id, external_address, day AS lo,
           least(coalesce(next_day - 1, ${last_day}), ${last_day},
                 day + CAST(floor(${half_life} * log2(strength / ${engaged_strength})) AS INTEGER)) AS hi
    FROM pair_changes
    WHERE strength >= ${engaged_strength} AND account_id IN (SELECT account_id FROM accounts)
),
o AS (
    SELECT *, max(hi) OVER (PARTITION BY account_id, external_address ORDER BY lo, hi
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_hi
    FROM iv
),
f AS (
    SELECT *, sum(CASE WHEN prev_hi IS NULL OR lo > prev_hi + 1 THEN 1 ELSE 0 END)
                  OVER (PARTITION BY account_id, external_address ORDER BY lo, hi) AS island
    FROM o
)
SELECT account_id, external_address, min(lo) AS lo, max(hi) AS hi
FROM f GROUP BY account_id, external_address, island;
;;
-- Seed 004 engagement points per account and touch day: each live (interaction, account) once.
CREATE OR REPLACE TABLE engagement_points_per_day AS
SELECT account_id, day, sum(cw) AS points
FROM (
    SELECT iid, account_id, any_value(day) AS day,
           CASE any_value(channel) ${channel_weight_cases} END AS cw
    FROM touches
    WHERE account_id IN (SELECT account_id FROM accounts)
    GROUP BY iid, account_id
    HAVING max(w) > 0
)
GROUP BY account_id, day;
;;
CREATE OR REPLACE TABLE account_day AS
WITH grid AS (
    SELECT a.account_id, CAST(r.range AS INTEGER) AS day
    FROM (SELECT DISTINCT account_id FROM accounts) a CROSS JOIN range(${first_day}, ${last_day} + 1) r
),
ev AS (
    SELECT account_id, day, sum(delta) AS delta FROM (
        SELECT account_id, lo AS day, 1 AS delta FROM engaged_islands
        UNION ALL SELECT account_id, hi + 1, -1 FROM engaged_islands
    ) GROUP BY account_id, day
),
dense AS (
    SELECT g.account_id, g.day, coalesce(ev.delta, 0) AS delta, coalesce(p.points, 0.0) AS points
    FROM grid g
    LEFT JOIN ev USING (account_id, day)
    LEFT JOIN engagement_points_per_day p USING (account_id, day)
),
running AS (
    SELECT account_id, day,
           sum(delta) OVER w AS engaged_stakeholders,
           sum(points) OVER w AS cum
    FROM dense
    WINDOW w AS (PARTITION BY account_id ORDER BY day ROWS UNBOUNDED PRECEDING)
),
-- points of touches k days back weigh by k's recency bucket: differences of the running sum
-- at the bucket bounds (the day axis is dense, so lag(cum, k) is the sum up to day − k)
windowed AS (
    SELECT account_id, day, engaged_stakeholders, ${recency_sum} AS engagement_points
    FROM running
    WINDOW w AS (PARTITION BY account_id ORDER BY day)
)
SELECT w.account_id, w.day, CAST(w.engaged_stakeholders AS BIGINT) AS engaged_stakeholders,
       w.engagement_points,
       CASE WHEN coalesce(c.contacts, 0) > 0 THEN w.engagement_points / c.contacts ELSE 0.0 END AS engagement_score
FROM windowed w LEFT JOIN contacts_per_account c USING (account_id);
