-- Runs the README's "Neovim 0.10 without plugins" block as written (on the
-- 0.11 binary: vim.lsp.start and vim.fs.root are the 0.10 API) and checks that
-- it lints the fixture. Prints `neovim-0.10-setup: N passed, M failed`.

local script = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p')
local root = vim.fs.dirname(vim.fs.dirname(script))
local readme = table.concat(vim.fn.readfile(root .. '/README.md'), '\n')
local block = readme:match('<!%-%- nvim%-0%.10%-setup %-%->%s*```lua\n(.-)\n```')

local passed, failed = 0, 0
local function report(ok, name, detail)
  if ok then
    passed = passed + 1
  else
    failed = failed + 1
  end
  io.stdout:write(('%s - %s%s\n'):format(ok and 'ok' or 'not ok', name, detail and (': ' .. detail) or ''))
end

local ok, err = pcall(function()
  assert(block, 'no <!-- nvim-0.10-setup --> block in README.md')
  assert(load(block, 'README.md'))()
end)
report(ok, 'the README 0.10 block loads', (not ok) and tostring(err) or nil)

if ok then
  vim.cmd.edit(vim.fn.fnameescape(root .. '/test/fixtures/deployment.yaml'))
  local buf = vim.api.nvim_get_current_buf()
  local got = vim.wait(10000, function()
    local diagnostics = vim.tbl_filter(function(d)
      return d.source == 'gitops-ls'
    end, vim.diagnostic.get(buf))
    return #diagnostics >= 4
  end, 50)
  local client = vim.lsp.get_clients({ bufnr = buf, name = 'gitops_ls' })[1]
  report(got and client ~= nil and client.root_dir == root .. '/test/fixtures', 'the 0.10 setup attaches and publishes diagnostics',
    client and ('root ' .. tostring(client.root_dir)) or 'no client')
  if client then
    client:stop()
    vim.wait(3000, function() return client:is_stopped() end, 50)
  end
end
io.stdout:write(('neovim-0.10-setup: %d passed, %d failed\n'):format(passed, failed))
io.stdout:flush()
os.exit(failed == 0 and 0 or 1)
