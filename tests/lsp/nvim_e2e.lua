-- Neovim (0.7+) end-to-end check of `seg lsp`, run by tests/lsp_nvim.rs as
--   nvim --headless -u NONE -i NONE -n -c "luafile tests/lsp/nvim_e2e.lua"
-- Input: $SEG_E2E_CASE, a JSON object {bin, root, file, out, hover:{line,character},
-- definition:{line,character}}. Output: a JSON report written to `out`
-- ({diagnostics, hover, definition, error?}); the Rust test makes the assertions.

local case = vim.fn.json_decode(os.getenv("SEG_E2E_CASE"))
local report = {}

local function finish()
  local f = io.open(case.out, "w")
  f:write(vim.fn.json_encode(report))
  f:close()
  vim.cmd("qall!")
end

local function request(method, position)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(0) },
    position = position,
  }
  local responses, err = vim.lsp.buf_request_sync(0, method, params, 20000)
  if not responses then
    return { error = tostring(err) }
  end
  for _, r in pairs(responses) do
    if r.err then
      return { error = vim.inspect(r.err) }
    end
    return r.result or vim.NIL
  end
  return vim.NIL
end

local ok, failure = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(case.file))
  local id = vim.lsp.start_client({
    name = "seg",
    cmd = { case.bin, "lsp" },
    root_dir = case.root,
  })
  if not id then
    error("vim.lsp.start_client failed")
  end
  vim.lsp.buf_attach_client(0, id)

  local got = vim.wait(30000, function()
    return #vim.diagnostic.get(0) > 0
  end, 50)
  if not got then
    error("no diagnostics within 30 s")
  end
  report.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    local lsp = (d.user_data or {}).lsp or {}
    table.insert(report.diagnostics, {
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      severity = d.severity,
      message = d.message,
      code = d.code or lsp.code,
      source = d.source,
    })
  end
  report.hover = request("textDocument/hover", case.hover)
  report.definition = request("textDocument/definition", case.definition)
  vim.lsp.stop_client(id)
end)

if not ok then
  report.error = tostring(failure)
end
finish()
