-- The tests failing (fail or error, any attempt) in most runs per arch × toolchain.
SELECT t.name AS test, t.binary_name AS binary, v.arch, v.toolchain, COUNT(DISTINCT j.run_id) AS runs_failed
FROM outcomes o JOIN tests t ON t.test_id = o.test_id JOIN jobs j ON j.job_id = o.job_id
  JOIN variants v ON v.variant_id = j.variant_id
WHERE o.status IN ('fail', 'error')
  AND j.run_created >= $__unixEpochFrom() - 86399 AND j.run_created <= $__unixEpochTo()
GROUP BY t.test_id, t.name, t.binary_name, v.arch, v.toolchain
ORDER BY runs_failed DESC, t.name, t.binary_name, v.arch, v.toolchain
LIMIT 50
