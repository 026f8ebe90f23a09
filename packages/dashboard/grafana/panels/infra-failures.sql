-- Infrastructure failures per week (Monday 00:00 UTC) by kind: the VM died, the kernel panicked,
-- the runner was lost, the job timed out or was cancelled.
SELECT to_timestamp(((c.day - 345600) / 604800) * 604800 + 345600) AS "time",
  c.failure_kind AS metric, SUM(c.n) AS jobs
FROM job_counts c
WHERE c.status = 'completed' AND c.kind <> 'other'
  AND c.failure_kind IN ('vm-died', 'kernel-panic', 'runner-lost', 'timeout', 'cancelled')
  AND c.day >= $__unixEpochFrom() - 86399 AND c.day <= $__unixEpochTo()
GROUP BY 1, 2
ORDER BY 1, 2
