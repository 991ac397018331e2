-- gitops-ls: Kubernetes / GitOps YAML linter for container images and imagePullPolicy.
-- Setup and options: editors/neovim/README.md in the gitops-ls repository.
--
-- Neovim 0.11+: put this folder on 'runtimepath' (or copy this file to
-- ~/.config/nvim/lsp/gitops_ls.lua), then
--
--   vim.lsp.enable('gitops_ls')
--
-- and override what you need with vim.lsp.config('gitops_ls', { ... }).
-- `settings['gitops-ls']` takes the keys of `.gitops-ls.yaml` (`rules`,
-- `exclude`) plus `docsUrl`; a `.gitops-ls.yaml` in the repository wins over
-- them for the rules it sets.

---@type vim.lsp.Config
return {
  -- `gitops-ls` must be on PATH; otherwise give the full path here.
  cmd = { 'gitops-ls', 'serve' },
  -- `helm` is the filetype of Helm templates with a Helm plugin (e.g. towolf/vim-helm).
  filetypes = { 'yaml', 'helm' },
  -- The nearest folder with a `.gitops-ls.yaml`, else the repository.
  root_markers = { '.gitops-ls.yaml', '.git' },
  settings = {
    ['gitops-ls'] = {
      -- { ['latest-tag'] = 'error', ['require-pull-policy'] = { severity = 'warning', allowed = { 'Always' } } }
      -- (vim.empty_dict() so that "no rules" is sent as {} and not as [])
      rules = vim.empty_dict(),
      -- Globs of files not to lint, e.g. { 'vendor/**' }.
      exclude = {},
    },
  },
}
