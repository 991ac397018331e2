-- Headless test of the shipped Neovim config (lsp/gitops_ls.lua) with a real
-- Neovim 0.11 and the real gitops-ls server (found on PATH, as the config says).
--
--   nvim --headless --clean -l editors/neovim/test/run.lua
--
-- Prints `ok N - name` / `not ok N - name` per check, then
-- `neovim-lua: N passed, M failed`; exits 1 when a check fails.

local script = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p')
local root = vim.fs.dirname(vim.fs.dirname(script)) -- editors/neovim
local fixtures = root .. '/test/fixtures'
local artifacts = os.getenv('GITOPS_LS_ARTIFACTS') or (root .. '/test-artifacts')
vim.fn.mkdir(artifacts, 'p')

-- What a user does: the folder with lsp/gitops_ls.lua on 'runtimepath', then enable.
vim.opt.runtimepath:prepend(root)
vim.lsp.log.set_level(vim.log.levels.WARN)

local results = {}
local function out(line)
  io.stdout:write(line, '\n')
  io.stdout:flush()
end

local function check(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  results[#results + 1] = { name = name, ok = ok, err = ok and nil or tostring(err) }
  out(('%s %d - %s'):format(ok and 'ok' or 'not ok', #results, name))
  if not ok then
    out('  ' .. tostring(err):gsub('\n', '\n  '))
  end
end

local function wait_for(what, ms, cond)
  local value
  local ok = vim.wait(ms, function()
    value = cond()
    return value ~= nil and value ~= false
  end, 50)
  if not ok then
    error('timed out after ' .. ms .. ' ms waiting for ' .. what, 2)
  end
  return value
end

local function expect(cond, message)
  if not cond then
    error(message, 2)
  end
end

local function line_of(buf, needle, start)
  for i, text in ipairs(vim.api.nvim_buf_get_lines(buf, start or 0, -1, false)) do
    local col = text:find(needle, 1, true)
    if col then
      return (start or 0) + i - 1, col - 1
    end
  end
  error('no line with ' .. needle)
end

local function ours(buf, code)
  return vim.tbl_filter(function(d)
    return d.source == 'gitops-ls' and (code == nil or d.code == code)
  end, vim.diagnostic.get(buf))
end

local function client_for(buf)
  return vim.lsp.get_clients({ bufnr = buf, name = 'gitops_ls' })[1]
end

local function label_text(hint)
  if type(hint.label) == 'string' then
    return hint.label
  end
  local parts = {}
  for _, part in ipairs(hint.label) do
    parts[#parts + 1] = part.value
  end
  return table.concat(parts)
end

local manifest = fixtures .. '/deployment.yaml'
local buf

check('vim.lsp.config reads lsp/gitops_ls.lua from runtimepath', function()
  local config = vim.lsp.config.gitops_ls
  expect(config ~= nil, 'vim.lsp.config.gitops_ls is nil')
  expect(config.cmd[1] == 'gitops-ls' and config.cmd[2] == 'serve', 'cmd: ' .. vim.inspect(config.cmd))
  expect(vim.tbl_contains(config.filetypes, 'yaml') and vim.tbl_contains(config.filetypes, 'helm'), 'filetypes')
  expect(vim.deep_equal(config.root_markers, { '.gitops-ls.yaml', '.git' }), 'root_markers')
  expect(vim.fn.executable('gitops-ls') == 1, 'gitops-ls is not on PATH')
end)

vim.lsp.enable('gitops_ls')

check('the client attaches to a YAML buffer, rooted at the .gitops-ls.yaml folder', function()
  vim.cmd.edit(vim.fn.fnameescape(manifest))
  buf = vim.api.nvim_get_current_buf()
  expect(vim.bo[buf].filetype == 'yaml', 'filetype ' .. vim.bo[buf].filetype)
  local client = wait_for('gitops_ls to initialize', 10000, function()
    local c = client_for(buf)
    return c and c.initialized and c or nil
  end)
  expect(client.root_dir == fixtures, 'root_dir ' .. tostring(client.root_dir))
  expect(client.server_info and client.server_info.name == 'gitops-ls', 'serverInfo ' .. vim.inspect(client.server_info))
end)

check('diagnostics: rule ids as codes, source gitops-ls, exact range, severity from .gitops-ls.yaml', function()
  wait_for('diagnostics', 10000, function()
    return #ours(buf, 'implicit-pull-policy') == 2 and #ours(buf, 'invalid-pull-policy') == 1 and #ours(buf, 'latest-tag') == 1
  end)
  local invalid = ours(buf, 'invalid-pull-policy')[1]
  local row, col = line_of(buf, 'IfNotPresnt')
  expect(invalid.lnum == row and invalid.col == col, ('invalid-pull-policy at %d:%d, expected %d:%d'):format(invalid.lnum, invalid.col, row, col))
  expect(invalid.end_col == col + #'IfNotPresnt', 'end_col ' .. tostring(invalid.end_col))
  expect(invalid.severity == vim.diagnostic.severity.ERROR, 'invalid-pull-policy severity')
  local latest = ours(buf, 'latest-tag')[1]
  expect(latest.severity == vim.diagnostic.severity.ERROR, 'latest-tag is an error in .gitops-ls.yaml, got ' .. latest.severity)
  local implicit = ours(buf, 'implicit-pull-policy')[1]
  expect(implicit.severity == vim.diagnostic.severity.HINT, 'implicit-pull-policy keeps its default severity (hint), got ' .. implicit.severity)
end)

check('hover (vim.lsp.buf.hover) on `image: nginx` shows the effective policy', function()
  local row, col = line_of(buf, 'image: nginx')
  vim.api.nvim_win_set_cursor(0, { row + 1, col + #'image: ' + 1 })
  local main_win = vim.api.nvim_get_current_win()
  vim.lsp.buf.hover()
  local float = wait_for('the hover window', 5000, function()
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(win).relative ~= '' then
        return win
      end
    end
  end)
  local lines = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(float), 0, -1, false)
  local text = table.concat(lines, '\n')
  vim.fn.writefile(lines, artifacts .. '/hover-nginx.txt')
  vim.api.nvim_win_close(float, true)
  vim.api.nvim_set_current_win(main_win)
  local first = vim.trim((text:gsub('^%s+', '')):match('[^\n]+') or '')
  first = first:gsub('%*%*', ''):gsub('`', '')
  expect(first == 'Effective imagePullPolicy: Always (default)', 'first line: ' .. first)
end)

check('textDocument/hover on a container name gives its effective policy', function()
  local name_row, name_col = line_of(buf, 'name: cache')
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = name_row, character = name_col + #'name: ' },
  }
  local responses = vim.lsp.buf_request_sync(buf, 'textDocument/hover', params, 5000)
  local _, response = next(responses or {})
  expect(response and response.result, 'no hover: ' .. vim.inspect(response))
  local contents = response.result.contents
  local value = type(contents) == 'string' and contents or contents.value or ''
  expect(value:find('Effective imagePullPolicy: IfNotPresent (default)', 1, true), 'hover: ' .. value:sub(1, 200))
end)

check('quick fix via vim.lsp.buf.code_action{apply = true, filter = preferred} inserts imagePullPolicy', function()
  -- implicit-pull-policy underlines the container's name: put the cursor on it.
  local row, col = line_of(buf, '- name: web')
  vim.api.nvim_win_set_cursor(0, { row + 1, col + #'- name: ' })
  local image_row = line_of(buf, 'image: nginx')
  local titles = {}
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action)
      titles[#titles + 1] = action.title
      return action.isPreferred == true and action.title:find('imagePullPolicy', 1, true) ~= nil
    end,
  })
  local inserted = wait_for('the inserted line', 5000, function()
    local next_line = vim.api.nvim_buf_get_lines(buf, image_row + 1, image_row + 2, false)[1]
    return next_line == '          imagePullPolicy: Always' and next_line or nil
  end)
  expect(vim.bo[buf].modified, 'buffer not modified')
  vim.fn.writefile(vim.api.nvim_buf_get_lines(buf, 0, -1, false), artifacts .. '/deployment.fixed.yaml')
  out('  actions: ' .. table.concat(titles, ' | ') .. ' -> ' .. inserted)
end)

check('diagnostics follow the edit (one implicit-pull-policy left)', function()
  wait_for('re-published diagnostics', 5000, function()
    return #ours(buf, 'implicit-pull-policy') == 1 and #ours(buf, 'invalid-pull-policy') == 1
  end)
  local left = ours(buf, 'implicit-pull-policy')[1]
  local cache_row = line_of(buf, '- name: cache')
  expect(left.lnum == cache_row, 'the remaining finding is on line ' .. left.lnum)
end)

check('inlay hints (vim.lsp.inlay_hint.get): implicit policy at the end of `image:` lines', function()
  vim.lsp.inlay_hint.enable(true, { bufnr = buf })
  expect(vim.lsp.inlay_hint.is_enabled({ bufnr = buf }), 'not enabled')
  local redis_row = line_of(buf, 'image: redis:7.2')
  local redis_line = vim.api.nvim_buf_get_lines(buf, redis_row, redis_row + 1, false)[1]
  local hints = wait_for('inlay hints', 5000, function()
    local got = vim.lsp.inlay_hint.get({ bufnr = buf })
    return #got > 0 and got or nil
  end)
  local found, labels = nil, {}
  for _, item in ipairs(hints) do
    local text = label_text(item.inlay_hint)
    labels[#labels + 1] = ('%d:%d %s'):format(item.inlay_hint.position.line, item.inlay_hint.position.character, text)
    if item.inlay_hint.position.line == redis_row and text:find('imagePullPolicy: IfNotPresent', 1, true) then
      found = item.inlay_hint
    end
  end
  out('  hints: ' .. table.concat(labels, ' | '))
  expect(found, 'no `imagePullPolicy: IfNotPresent` hint on line ' .. redis_row)
  expect(found.position.character == #redis_line, 'hint at column ' .. found.position.character .. ', line ends at ' .. #redis_line)
  -- The fixed container has an explicit policy now: no policy hint on its image line.
  local nginx_row = line_of(buf, 'image: nginx')
  for _, item in ipairs(hints) do
    if item.inlay_hint.position.line == nginx_row then
      expect(not label_text(item.inlay_hint):find('imagePullPolicy', 1, true), 'policy hint left on the fixed line')
    end
  end
end)

check('settings reach the server without a restart (workspace/didChangeConfiguration)', function()
  local client = client_for(buf)
  local id_before = client.id
  client.settings = vim.tbl_deep_extend('force', client.settings, {
    ['gitops-ls'] = { rules = { ['implicit-pull-policy'] = 'off' } },
  })
  client:notify('workspace/didChangeConfiguration', { settings = client.settings })
  wait_for('implicit-pull-policy to go away', 5000, function()
    return #ours(buf, 'implicit-pull-policy') == 0 and #ours(buf, 'invalid-pull-policy') == 1
  end)
  expect(client_for(buf).id == id_before, 'the client changed')
end)

check('a Helm template (filetype helm) attaches; template actions are not reported', function()
  vim.filetype.add({ pattern = { ['.*/templates/.*%.yaml'] = 'helm' } })
  vim.cmd.edit(vim.fn.fnameescape(fixtures .. '/chart/templates/deployment.yaml'))
  local helm = vim.api.nvim_get_current_buf()
  expect(vim.bo[helm].filetype == 'helm', 'filetype ' .. vim.bo[helm].filetype)
  wait_for('the client on the helm buffer', 5000, function()
    return client_for(helm)
  end)
  local busybox = line_of(helm, 'image: busybox')
  wait_for('latest-tag on busybox', 5000, function()
    return #ours(helm, 'latest-tag') == 1
  end)
  expect(ours(helm, 'latest-tag')[1].lnum == busybox, 'latest-tag on line ' .. ours(helm, 'latest-tag')[1].lnum)
  expect(#ours(helm, 'yaml-syntax') == 0 and #ours(helm, 'invalid-image') == 0, vim.inspect(ours(helm)))
  expect(#vim.lsp.get_clients({ name = 'gitops_ls' }) == 1, 'one client for both buffers')
end)

-- A GitOps repository (fixtures/gitops): an overlay that rewrites the base's nginx to
-- :latest (which changes the default pull policy) and an entry that matches nothing.
-- The cross-file findings arrive once the server has indexed the workspace folder in
-- the background, in a later publish than the first one.
local gitops = fixtures .. '/gitops'
local overlay_file = gitops .. '/overlays/dev/kustomization.yaml'
local base_file = gitops .. '/base/deployment.yaml'
local overlay_buf, gitops_client

-- 0-based row and byte column of `needle` in a file on disk.
local function file_pos(file, needle)
  for i, text in ipairs(vim.fn.readfile(file)) do
    local col = text:find(needle, 1, true)
    if col then
      return i - 1, col - 1
    end
  end
  error('no line with ' .. needle .. ' in ' .. file)
end

local function related(diagnostic)
  local lsp = diagnostic.user_data and diagnostic.user_data.lsp or {}
  return lsp.relatedInformation or {}
end

check('a kustomize overlay attaches a second client, rooted at fixtures/gitops (its .gitops-ls.yaml)', function()
  vim.cmd.edit(vim.fn.fnameescape(overlay_file))
  overlay_buf = vim.api.nvim_get_current_buf()
  expect(vim.bo[overlay_buf].filetype == 'yaml', 'filetype ' .. vim.bo[overlay_buf].filetype)
  gitops_client = wait_for('gitops_ls to initialize for the overlay', 10000, function()
    local c = client_for(overlay_buf)
    return c and c.initialized and c or nil
  end)
  expect(gitops_client.root_dir == gitops, 'root_dir ' .. tostring(gitops_client.root_dir))
  expect(gitops_client.id ~= client_for(buf).id, 'the overlay reused the fixtures client')
end)

check('overlay: overlay-changes-policy on `newTag: latest`, unused-image-entry on `ngnix`, related base image', function()
  wait_for('the GitOps findings on the overlay (after the index is built)', 20000, function()
    return #ours(overlay_buf, 'overlay-changes-policy') == 1 and #ours(overlay_buf, 'unused-image-entry') == 1
  end)
  local change = ours(overlay_buf, 'overlay-changes-policy')[1]
  local tag_row, tag_col = line_of(overlay_buf, 'latest')
  expect(change.lnum == tag_row and change.col == tag_col, ('overlay-changes-policy at %d:%d, expected %d:%d'):format(change.lnum, change.col, tag_row, tag_col))
  expect(change.severity == vim.diagnostic.severity.WARN, 'overlay-changes-policy severity ' .. change.severity)
  local unused = ours(overlay_buf, 'unused-image-entry')[1]
  local name_row, name_col = line_of(overlay_buf, 'ngnix')
  expect(unused.lnum == name_row and unused.col == name_col, ('unused-image-entry at %d:%d, expected %d:%d'):format(unused.lnum, unused.col, name_row, name_col))
  expect(unused.severity == vim.diagnostic.severity.WARN, 'unused-image-entry severity ' .. unused.severity)
  local info = related(change)[1]
  expect(info, 'no relatedInformation in user_data.lsp: ' .. vim.inspect(change.user_data))
  expect(info.location.uri == vim.uri_from_fname(base_file), 'related uri ' .. tostring(info.location.uri))
  local image_row, image_col = file_pos(base_file, 'nginx:1.25')
  local start = info.location.range.start
  expect(start.line == image_row and start.character == image_col, ('related at %d:%d, expected %d:%d'):format(start.line, start.character, image_row, image_col))
  out('  overlay: ' .. change.message .. ' | ' .. unused.message)
end)

local base_buf
check('base: an Info overlay-changes-policy on the image, related to the overlay entry', function()
  vim.cmd.edit(vim.fn.fnameescape(base_file))
  base_buf = vim.api.nvim_get_current_buf()
  wait_for('the client on the base buffer', 5000, function()
    return client_for(base_buf)
  end)
  expect(client_for(base_buf).id == gitops_client.id, 'the base got another client')
  wait_for('overlay-changes-policy on the base', 20000, function()
    return #ours(base_buf, 'overlay-changes-policy') == 1
  end)
  local note = ours(base_buf, 'overlay-changes-policy')[1]
  local row, col = line_of(base_buf, 'nginx:1.25')
  expect(note.lnum == row and note.col == col, ('at %d:%d, expected %d:%d'):format(note.lnum, note.col, row, col))
  expect(note.severity == vim.diagnostic.severity.INFO, 'severity ' .. note.severity)
  expect(note.message:find('overlays/dev deploys nginx:latest (Always)', 1, true), 'message: ' .. note.message)
  local info = related(note)[1]
  expect(info and info.location.uri == vim.uri_from_bufnr(overlay_buf), 'related: ' .. vim.inspect(related(note)))
end)

check('base: inlay hint "→ nginx:latest (Always)" at the end of the image line', function()
  vim.lsp.inlay_hint.enable(true, { bufnr = base_buf })
  local row = line_of(base_buf, 'image: nginx:1.25')
  local line = vim.api.nvim_buf_get_lines(base_buf, row, row + 1, false)[1]
  local labels = {}
  local found = wait_for('the overlay result hint', 10000, function()
    labels = {}
    for _, item in ipairs(vim.lsp.inlay_hint.get({ bufnr = base_buf })) do
      local text = label_text(item.inlay_hint)
      labels[#labels + 1] = ('%d:%d %s'):format(item.inlay_hint.position.line, item.inlay_hint.position.character, text)
      if item.inlay_hint.position.line == row and vim.trim(text) == '→ nginx:latest (Always)' then
        return item.inlay_hint
      end
    end
  end)
  out('  hints: ' .. table.concat(labels, ' | '))
  expect(found.position.character == #line, 'hint at column ' .. found.position.character .. ', line ends at ' .. #line)
end)

check('the servers shut down cleanly', function()
  local clients = vim.lsp.get_clients({ name = 'gitops_ls' })
  expect(#clients == 2, #clients .. ' clients')
  for _, client in ipairs(clients) do
    client:stop()
  end
  wait_for('the clients to stop', 5000, function()
    for _, client in ipairs(clients) do
      if not client:is_stopped() then
        return false
      end
    end
    return true
  end)
end)

local passed, failed = 0, 0
for _, result in ipairs(results) do
  if result.ok then
    passed = passed + 1
  else
    failed = failed + 1
  end
end
vim.fn.writefile({ vim.json.encode({ passed = passed, failed = failed, results = results }) }, artifacts .. '/results.json')
out(('neovim-lua: %d passed, %d failed'):format(passed, failed))
os.exit(failed == 0 and 0 or 1)
