-- Completed build and test jobs (every attempt) per week (Monday 00:00 UTC) by conclusion.
SELECT to_timestamp(((c.day - 345600) / 604800) * 604800 + 345600) AS "time",
  SUM(CASE WHEN c.conclusion = 'success' THEN c.n ELSE 0 END) AS success,
  SUM(CASE WHEN c.conclusion = 'failure' THEN c.n ELSE 0 END) AS failure,
  SUM(CASE WHEN c.conclusion = 'cancelled' THEN c.n ELSE 0 END) AS cancelled
FROM job_counts c
WHERE c.status = 'completed' AND c.kind <> 'other'
  AND c.day >= $__unixEpochFrom() - 86399 AND c.day <= $__unixEpochTo()
GROUP BY 1
ORDER BY 1
