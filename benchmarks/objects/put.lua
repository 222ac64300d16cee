-- wrk: PUT 4 KiB objects under fresh names (each wrk thread numbers its own requests).
local body = string.rep("x", 4096)
local counter = 0
local thread_tag = tostring(math.random(1, 1000000000))

request = function()
    counter = counter + 1
    return wrk.format("PUT", wrk.path .. "/put-" .. thread_tag .. "-" .. counter, {
        ["X-Auth-Token"] = os.getenv("BENCH_TOKEN"),
        ["Content-Type"] = "application/octet-stream",
    }, body)
end
