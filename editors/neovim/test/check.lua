-- Headless Neovim check of the .lab tree-sitter parser and queries.
--
-- Loads parser/lab.so and queries/lab/*.scm from the runtimepath, opens every file of
-- vim.g.lab_files (the caret assertion files of editors/tree-sitter-lab/test/highlight),
-- and checks each assertion against the capture Neovim's highlighter would show: of the
-- captures covering the position, the one of highest priority, and among those the
-- last one (Neovim adds the extmarks in capture order; a later one wins a tie).
-- Neovim does not apply locals.scm to highlights (the tree-sitter CLI does), so where the
-- CLI expects a parameter reference (`variable.parameter`) Neovim shows `variable`.
-- Then checks the fold levels of vim.g.lab_folds.
-- Writes a report to vim.g.lab_out and exits 0 when every assertion holds, 1 otherwise.

local out = {}
local failures = 0
local checked = 0

local get_query = vim.treesitter.query.get or vim.treesitter.query.get_query

local function effective_captures(buf, query, root)
  -- captures[row][col] = { name, priority } of the winning capture
  local win = {}
  for id, node, metadata in query:iter_captures(root, buf, 0, -1) do
    local name = query.captures[id]
    if name:sub(1, 1) ~= '_' and name ~= 'spell' and name ~= 'nospell' then
      local prio = tonumber((metadata and (metadata.priority or (metadata[id] and metadata[id].priority))) or 100)
      local sr, sc, er, ec = node:range()
      for r = sr, er do
        local line = vim.api.nvim_buf_get_lines(buf, r, r + 1, false)[1] or ''
        local c0 = (r == sr) and sc or 0
        local c1 = (r == er) and ec or #line
        win[r] = win[r] or {}
        for c = c0, c1 - 1 do
          local cur = win[r][c]
          if not cur or prio >= cur[2] then
            win[r][c] = { name, prio }
          end
        end
      end
    end
  end
  return win
end

local function check_file(path)
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  local buf = vim.api.nvim_get_current_buf()
  if vim.bo[buf].filetype ~= 'lab' then
    error(path .. ': filetype is "' .. vim.bo[buf].filetype .. '", not lab')
  end
  local parser = vim.treesitter.get_parser(buf, 'lab')
  -- Headless Neovim never redraws, so parse explicitly. (literals.lab has a deliberate
  -- unclosed string: its tree has a MISSING node.)
  local tree = parser:parse()[1]
  local root = tree:root()
  local query = get_query('lab', 'highlights')
  local win = effective_captures(buf, query, root)
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local code_row = nil
  for i, line in ipairs(lines) do
    local row = i - 1
    local arrow = line:match('^#%s*<%-%s*(%S+)')
    local carets_at, carets, cap = line:match('^#()%s*(%^+)%s+(%S+)')
    local targets = {}
    if arrow and code_row then
      targets = { { code_row, 0, arrow } }
    elseif carets and code_row then
      local start = line:find('%^') - 1
      for c = start, start + #carets - 1 do
        table.insert(targets, { code_row, c, cap })
      end
    else
      code_row = row
    end
    for _, t in ipairs(targets) do
      local r, c, want = t[1], t[2], t[3]
      checked = checked + 1
      local got = win[r] and win[r][c] and win[r][c][1] or '(none)'
      local ok = got == want or (want == 'variable.parameter' and got == 'variable')
      if not ok then
        failures = failures + 1
        table.insert(out, string.format('%s:%d:%d: want %s, got %s', vim.fn.fnamemodify(path, ':t'), r + 1, c + 1, want, got))
      end
    end
  end
end

-- Folds (Neovim 0.9+: vim.treesitter.foldexpr reads folds.scm): each line of the file
-- ends with `# fold <foldexpr value>`.
local function check_folds(path)
  if not vim.treesitter.foldexpr then
    table.insert(out, 'folds: skipped (no vim.treesitter.foldexpr before Neovim 0.9)')
    return
  end
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  local buf = vim.api.nvim_get_current_buf()
  vim.treesitter.get_parser(buf, 'lab'):parse()
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local want = line:match('# fold (%S+)$')
    if want then
      checked = checked + 1
      local got = tostring(vim.treesitter.foldexpr(i))
      if got ~= want then
        failures = failures + 1
        table.insert(out, string.format('%s:%d: fold want %s, got %s', vim.fn.fnamemodify(path, ':t'), i, want, got))
      end
    end
  end
end

local ok, err = pcall(function()
  vim.cmd('filetype on')
  -- What the README tells users: vim.filetype.add (0.8+ reads it; 0.7 only with
  -- g:do_filetype_lua) and, for 0.7, an ftdetect autocommand.
  vim.filetype.add({ extension = { lab = 'lab' } })
  vim.cmd('autocmd BufRead,BufNewFile *.lab set filetype=lab')
  for _, f in ipairs(vim.g.lab_files) do
    check_file(f)
  end
  check_folds(vim.g.lab_folds)
end)
if not ok then
  failures = failures + 1
  table.insert(out, 'error: ' .. tostring(err))
end
table.insert(out, string.format('%s: %d assertions, %d failures', tostring(vim.version and vim.version() and (vim.version().major .. '.' .. vim.version().minor .. '.' .. vim.version().patch) or '?'), checked, failures))
vim.fn.writefile(out, vim.g.lab_out)
vim.cmd(failures == 0 and 'qall!' or 'cquit! 1')
