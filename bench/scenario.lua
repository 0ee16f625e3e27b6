-- One make bench scenario for wrk: which request to send and what a correct answer looks like.
-- bench.py writes the scenario into a parameters file named by the BENCH_PARAMS environment
-- variable (one "key value" per line, and "identity<TAB>cookie<TAB>body" lines); this script
-- checks every response against it and writes the figures as JSON for bench.py to read.
--
-- Every thread rotates through its own share of the identities (visitor or signed-in cookies
-- with a CSRF token), so concurrent requests rarely share a session: a server that locks a
-- session per request (PHP's file sessions) is then measured as real visitors would meet it.

local function read_params(path)
    local params = { identities = {} }
    local file = assert(io.open(path, "r"), "cannot open BENCH_PARAMS file " .. tostring(path))
    for line in file:lines() do
        local cookie, body = line:match("^identity\t([^\t]*)\t([^\t]*)$")
        if cookie then
            table.insert(params.identities, { cookie = cookie, body = body })
        else
            local key, value = line:match("^(%S+) (.*)$")
            if key then
                params[key] = value
            end
        end
    end
    file:close()
    return params
end

-- Runs in every thread's Lua state and in the setup/done state alike.
params = read_params(os.getenv("BENCH_PARAMS"))

-- ---------------------------------------------------------------- setup and done (main state)

local threads = {}

function setup(thread)
    table.insert(threads, thread)
    thread:set("thread_number", #threads)
end

-- ---------------------------------------------------------------- running (one state per thread)

local prepared = {}     -- request strings, one per identity of this thread (when fixed)
local identities = {}   -- this thread's identities, for requests built each time
local next_index = 1
local registrations = 0
-- Read by done() through thread:get(): responses checked, the count and kinds of wrong ones,
-- and the first wrong one.
checked = 0
unexpected = 0
unexpected_kinds = {}
first_unexpected = ""

local function headers_for(identity)
    local headers = {}
    if identity and identity.cookie ~= "" then
        headers["Cookie"] = identity.cookie
    end
    if params.method == "POST" then
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    end
    return headers
end

function init(args)
    local thread_total = tonumber(params.threads)
    -- Thread n takes identities n, n + threads, ...: disjoint shares, so no two threads share one.
    for i, identity in ipairs(params.identities) do
        if (i - 1) % thread_total == thread_number - 1 then
            table.insert(identities, identity)
        end
    end
    if #identities == 0 and #params.identities > 0 then
        identities = params.identities
    end
    if params.register_name_prefix == nil then
        if #identities == 0 then
            table.insert(prepared, wrk.format(params.method, params.path, headers_for(nil), nil))
        end
        for _, identity in ipairs(identities) do
            local body = identity.body ~= "" and identity.body or nil
            table.insert(prepared,
                wrk.format(params.method, params.path, headers_for(identity), body))
        end
    end
end

-- A registration needs a username and email nobody used before: the run's random prefix, this
-- thread's number and a counter make one.
local function registration_request()
    local identity = identities[next_index]
    next_index = next_index % #identities + 1
    registrations = registrations + 1
    local name = string.format("%st%dn%d", params.register_name_prefix, thread_number,
        registrations)
    local body = identity.body:gsub("@NAME@", name)
    return wrk.format(params.method, params.path, headers_for(identity), body)
end

function request()
    if params.register_name_prefix then
        return registration_request()
    end
    local text = prepared[next_index]
    next_index = next_index % #prepared + 1
    return text
end

local function header(headers, wanted)
    wanted = wanted:lower()
    for name, value in pairs(headers) do
        if name:lower() == wanted then
            return value
        end
    end
    return nil
end

-- What is wrong with a response, or nil when it is what the scenario expects.
local function problem(status, headers, body)
    if status ~= tonumber(params.expect_status) then
        return "status " .. status
    end
    if params.marker and not body:find(params.marker, 1, true) then
        return "marker missing"
    end
    local location = header(headers, "Location")
    if params.location_exact and location ~= params.location_exact then
        return "wrong Location"
    end
    if params.location_prefix and (location == nil
            or location:sub(1, #params.location_prefix) ~= params.location_prefix) then
        return "wrong Location"
    end
    if params.location_suffix and (location == nil
            or location:sub(-#params.location_suffix) ~= params.location_suffix) then
        return "wrong Location"
    end
    if params.need_set_cookie == "1" and header(headers, "Set-Cookie") == nil then
        return "no Set-Cookie"
    end
    return nil
end

function response(status, headers, body)
    checked = checked + 1
    local kind = problem(status, headers, body)
    if kind then
        unexpected = unexpected + 1
        unexpected_kinds[kind] = (unexpected_kinds[kind] or 0) + 1
        if first_unexpected == "" then
            first_unexpected = string.format("%s: status %d, Location %s, body %q", kind, status,
                tostring(header(headers, "Location")), body:sub(1, 300))
        end
    end
end

-- ---------------------------------------------------------------- done (main state)

local function json_string(text)
    return '"' .. text:gsub('[%c"\\]', function(c)
        return string.format("\\u%04x", c:byte())
    end) .. '"'
end

function done(summary, latency, requests)
    local total_unexpected, total_checked, kinds, first = 0, 0, {}, ""
    for _, thread in ipairs(threads) do
        total_unexpected = total_unexpected + thread:get("unexpected")
        total_checked = total_checked + thread:get("checked")
        for kind, count in pairs(thread:get("unexpected_kinds")) do
            kinds[kind] = (kinds[kind] or 0) + count
        end
        if first == "" then
            first = thread:get("first_unexpected")
        end
    end
    local kind_parts = {}
    for kind, count in pairs(kinds) do
        table.insert(kind_parts, json_string(kind) .. ": " .. count)
    end
    local e = summary.errors
    local parts = {
        '"requests": ' .. summary.requests,
        '"checked": ' .. total_checked,
        '"duration_us": ' .. summary.duration,
        '"bytes": ' .. summary.bytes,
        string.format('"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}',
            latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
            latency.mean),
        string.format('"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}',
            e.connect, e.read, e.write, e.timeout),
        '"status_errors": ' .. e.status,
        '"unexpected": ' .. total_unexpected,
        '"unexpected_kinds": {' .. table.concat(kind_parts, ", ") .. '}',
        '"first_unexpected": ' .. json_string(first),
    }
    local file = assert(io.open(params.result, "w"))
    file:write("{" .. table.concat(parts, ", ") .. "}\n")
    file:close()
end
