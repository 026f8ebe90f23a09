-- Completed workflow runs per week (Monday 00:00 UTC) by their final conclusion.
SELECT to_timestamp(((r.created_at - 345600) / 604800) * 604800 + 345600) AS "time",
  SUM(CASE WHEN r.conclusion = 'success' THEN 1 ELSE 0 END) AS success,
  SUM(CASE WHEN r.conclusion = 'failure' THEN 1 ELSE 0 END) AS failure,
  SUM(CASE WHEN r.conclusion = 'cancelled' THEN 1 ELSE 0 END) AS cancelled
FROM runs r
WHERE r.status = 'completed'
  AND r.created_at >= $__unixEpochFrom() AND r.created_at <= $__unixEpochTo()
GROUP BY 1
ORDER BY 1
