-- `labc lsp` driven by Neovim's built-in LSP client, headless. run.sh starts it as
--   LABC=... LAB_ROOT=... nvim --headless -u NONE -i NONE -n -c 'luafile nvim.lua'
-- on a copy of tests/lsp/lab/. The client is set up as docs/editors.md says: with
-- vim.lsp.config/enable where Neovim has them (0.11+), else vim.lsp.start from a FileType
-- autocommand. Each case is a function of CASES, and fails when the server does not
-- advertise the capability it needs. Every wait is vim.wait with a bound, so a hang
-- fails; Neovim exits 1 when a case failed.

local labc = assert(os.getenv('LABC'), 'LABC: the labc binary')
local root = assert(os.getenv('LAB_ROOT'), 'LAB_ROOT: the copy of the fixture lab')
-- A bound against a hang, not a speed check, in milliseconds.
local HANG = 60000
-- apps/web.lab, line 7 (from 0): `instance shop = web on home { replicas = 2 }`.
local INSTANCE_LINE = 7

local function say(line)
  io.stdout:write(line .. '\n')
end

local function check(cond, what)
  if not cond then
    error(what, 2)
  end
end

-- `-u NONE` leaves filetype detection off; the FileType event is what starts the client.
vim.cmd('filetype on')
vim.filetype.add({ extension = { lab = 'lab' } })
if vim.lsp.config and vim.lsp.enable then
  vim.lsp.config('labc', {
    cmd = { labc, 'lsp' },
    filetypes = { 'lab' },
    root_markers = { 'lab.lab', '.git' },
  })
  vim.lsp.enable('labc')
else
  vim.api.nvim_create_autocmd('FileType', {
    pattern = 'lab',
    callback = function()
      vim.lsp.start({ name = 'labc', cmd = { labc, 'lsp' }, root_dir = root })
    end,
  })
end

local function clients(buf)
  local get = vim.lsp.get_clients or vim.lsp.get_active_clients
  return get({ bufnr = buf, name = 'labc' })
end

--- The labc client of buffer `buf` once it is initialized.
local function client_of(buf)
  local client
  local ok = vim.wait(HANG, function()
    client = clients(buf)[1]
    return client ~= nil and client.server_capabilities ~= nil
  end, 20)
  check(ok, 'the labc client did not start and initialize')
  return client
end

--- The result of one request of `buf`'s server at (line, character).
local function request(buf, method, line, character, extra)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = line, character = character },
  }
  for k, v in pairs(extra or {}) do
    params[k] = v
  end
  local answers, err = vim.lsp.buf_request_sync(buf, method, params, HANG)
  check(answers ~= nil, method .. ': no answer: ' .. tostring(err))
  for _, answer in pairs(answers) do
    check(answer.err == nil, method .. ': ' .. vim.inspect(answer.err))
    return answer.result
  end
  error(method .. ': no client answered')
end

--- The buffer's diagnostics once `done` holds of them.
local function diagnostics_until(buf, done, what)
  local got
  local ok = vim.wait(HANG, function()
    got = vim.diagnostic.get(buf)
    return done(got)
  end, 20)
  check(ok, what .. '; have ' .. vim.inspect(got))
  return got
end

local function first_location(result)
  if result == nil or result.uri ~= nil then
    return result
  end
  return result[1]
end

local function range_is(r, a, b)
  return r.start.line == a[1] and r.start.character == a[2] and r['end'].line == b[1]
    and r['end'].character == b[2]
end

local function require_capability(client, capability)
  check(client.server_capabilities[capability], 'labc lsp does not advertise ' .. capability)
end

local CASES = {}

CASES[#CASES + 1] = {
  'an error typed is published at its range and the fix clears it',
  function(buf)
    -- `2` (character 41) becomes the string `"x"`: the template's `replicas` is an int.
    vim.api.nvim_buf_set_text(buf, INSTANCE_LINE, 41, INSTANCE_LINE, 42, { '"x"' })
    local diags = diagnostics_until(buf, function(d)
      return #d > 0
    end, 'no diagnostic after the error')
    check(#diags == 1, 'one diagnostic: ' .. vim.inspect(diags))
    local d = diags[1]
    check(d.code == 'E0301', 'code ' .. tostring(d.code))
    check(d.severity == vim.diagnostic.severity.ERROR, 'severity ' .. tostring(d.severity))
    check(d.lnum == INSTANCE_LINE and d.col == 41, ('at %d:%d'):format(d.lnum, d.col))
    check(d.end_lnum == INSTANCE_LINE and d.end_col == 44, ('to %d:%d'):format(d.end_lnum, d.end_col))
    local href = vim.tbl_get(d, 'user_data', 'lsp', 'codeDescription', 'href') or ''
    check(href:match('docs/errors%.md#e0301$'), 'codeDescription ' .. href)
    vim.api.nvim_buf_set_text(buf, INSTANCE_LINE, 41, INSTANCE_LINE, 44, { '3' })
    diagnostics_until(buf, function(d2)
      return #d2 == 0
    end, 'the fix did not clear the diagnostic')
  end,
}

CASES[#CASES + 1] = {
  'definition of a template and a cluster',
  function(buf)
    local got = first_location(request(buf, 'textDocument/definition', INSTANCE_LINE, 17))
    check(got ~= nil, 'no definition of `web`')
    check(got.uri == vim.uri_from_bufnr(buf), 'web: ' .. got.uri)
    check(range_is(got.range, { 1, 9 }, { 1, 12 }), 'web: ' .. vim.inspect(got.range))
    got = first_location(request(buf, 'textDocument/definition', INSTANCE_LINE, 25))
    check(got ~= nil, 'no definition of `home`')
    check(got.uri == vim.uri_from_fname(root .. '/lab.lab'), 'home: ' .. got.uri)
    check(range_is(got.range, { 7, 8 }, { 7, 12 }), 'home: ' .. vim.inspect(got.range))
    check(request(buf, 'textDocument/definition', 0, 0) == nil, 'a definition of nothing')
  end,
}

CASES[#CASES + 1] = {
  'hover of a template and its parameter',
  function(buf)
    local text = function(line, character)
      local h = request(buf, 'textDocument/hover', line, character)
      return h and h.contents and h.contents.value or ''
    end
    check(text(INSTANCE_LINE, 17):find('template web', 1, true), 'hover of `web`')
    local h = text(INSTANCE_LINE, 32)
    check(h:find('replicas: int = 1', 1, true), 'hover of `replicas`: ' .. h)
  end,
}

CASES[#CASES + 1] = {
  'completion offers the cluster after `on`',
  function(buf, client)
    require_capability(client, 'completionProvider')
    local result = request(buf, 'textDocument/completion', INSTANCE_LINE, 23)
    local items = result and (result.items or result) or {}
    local labels = vim.tbl_map(function(i)
      return i.label
    end, items)
    check(vim.tbl_contains(labels, 'home'), 'labels ' .. vim.inspect(labels))
  end,
}

CASES[#CASES + 1] = {
  'rename of a template changes its declaration and its use',
  function(buf, client)
    require_capability(client, 'renameProvider')
    local edit = request(buf, 'textDocument/rename', 1, 10, { newName = 'webapp' })
    check(edit ~= nil, 'no edit')
    local uri = vim.uri_from_bufnr(buf)
    local ranges = {}
    for u, edits in pairs(edit.changes or {}) do
      for _, e in ipairs(edits) do
        ranges[#ranges + 1] = u == uri and e.range or nil
      end
    end
    for _, doc in ipairs(edit.documentChanges or {}) do
      for _, e in ipairs(doc.edits or {}) do
        ranges[#ranges + 1] = doc.textDocument.uri == uri and e.range or nil
      end
    end
    local has = function(a, b)
      for _, r in ipairs(ranges) do
        if range_is(r, a, b) then
          return true
        end
      end
      return false
    end
    check(has({ 1, 9 }, { 1, 12 }), 'the declaration: ' .. vim.inspect(edit))
    check(has({ INSTANCE_LINE, 16 }, { INSTANCE_LINE, 19 }), 'the use: ' .. vim.inspect(edit))
  end,
}

local failed = 0
local ok, err = pcall(function()
  vim.cmd.edit(vim.fn.fnameescape(root .. '/apps/web.lab'))
  local buf = vim.api.nvim_get_current_buf()
  check(vim.bo[buf].filetype == 'lab', 'filetype ' .. vim.bo[buf].filetype)
  local client = client_of(buf)
  for _, case in ipairs(CASES) do
    local name, run = case[1], case[2]
    local done, result = pcall(run, buf, client)
    if not done then
      failed = failed + 1
      say('FAIL: ' .. name .. ': ' .. tostring(result))
    else
      say('ok: ' .. name)
    end
  end
end)
if not ok then
  failed = failed + 1
  say('FAIL: setup: ' .. tostring(err))
end
if failed > 0 then
  vim.cmd('cquit 1')
end
vim.cmd('qall!')
