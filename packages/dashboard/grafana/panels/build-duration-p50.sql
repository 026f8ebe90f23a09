-- p50 of finished (success or failure) build job durations in minutes per week × arch × toolchain
-- × runner: nearest rank, as `bpf-ci stats query durations` computes it.
SELECT to_timestamp(j.week) AS "time",
  v.arch || ' ' || v.toolchain || CASE WHEN v.runner = '' THEN '' ELSE ' (' || v.runner || ')' END AS metric,
  percentile_disc(0.50) WITHIN GROUP (ORDER BY j.duration_s) / 60.0 AS minutes
FROM jobs j JOIN variants v ON v.variant_id = j.variant_id
WHERE j.kind = 'build' AND j.duration_s IS NOT NULL AND j.conclusion IN ('success', 'failure')
  AND j.run_created >= $__unixEpochFrom() AND j.run_created <= $__unixEpochTo()
GROUP BY j.week, v.arch, v.toolchain, v.runner
ORDER BY 1, 2
