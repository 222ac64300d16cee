-- wrk: GET one of the BENCH_OBJECTS pre-seeded 4 KiB objects at random.
local count = tonumber(os.getenv("BENCH_OBJECTS") or "1000")

request = function()
    return wrk.format("GET", wrk.path .. "/seed-" .. math.random(0, count - 1), {
        ["X-Auth-Token"] = os.getenv("BENCH_TOKEN"),
    })
end
