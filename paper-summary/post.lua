-- post.lua: the pandoc filter that joins the hand-written prose of
-- alexnet.md with what `plaincnn figures` generated.
--
--   ::: {.include src="examples/relu.md"}     replaced by the blocks of that file,
--   :::                                       read from the folder in metadata generated-dir
--   {{key}}                                   replaced by metadata value key (numbers.yaml);
--                                             an unknown key stops the build
--   ![...](figures/NAME.svg)                  becomes NAME.png when metadata medium is true
--   <!-- comments -->                         dropped (they name the paper's sections for
--                                             whoever checks the facts, not for readers)
--   the picture at the top (architecture.svg) in HTML: a figure holding both drawings,
--                                             the wide one and architecture-narrow.svg; the
--                                             stylesheet shows one of them by screen width
--   tables, when medium is true               drawn as SVG into metadata table-dir
--                                             (table-1.svg, ...) and shown as table-N.png:
--                                             Medium and LinkedIn have no tables
--
-- The filters run in the order listed at the bottom: metadata first, then
-- includes, then placeholders and images, so included text is filled in too;
-- tables and the top figure last, from the filled text.

local meta = {}

local function capture_meta(m)
  meta = m
end

local function generated_dir()
  local dir = meta["generated-dir"]
  if dir == nil then
    error("post.lua: metadata generated-dir is not set (render.sh passes it)")
  end
  return pandoc.utils.stringify(dir)
end

local function include(div)
  if not div.classes:includes("include") then
    return nil
  end
  local src = div.attributes["src"]
  if src == nil then
    error("post.lua: an include block has no src attribute")
  end
  local path = generated_dir() .. "/" .. src
  local file = io.open(path, "r")
  if file == nil then
    error("post.lua: cannot read " .. path .. " (did plaincnn figures run?)")
  end
  local text = file:read("a")
  file:close()
  return pandoc.read(text, "markdown").blocks
end

local function fill(text)
  return (text:gsub("{{([%w%-]+)}}", function(key)
    local value = meta[key]
    if value == nil then
      error("post.lua: no value for {{" .. key .. "}} in the generated numbers")
    end
    return pandoc.utils.stringify(value)
  end))
end

local function fill_str(el)
  if el.text:find("{{", 1, true) then
    return pandoc.Str(fill(el.text))
  end
  return nil
end

local function fill_code(el)
  if el.text:find("{{", 1, true) then
    el.text = fill(el.text)
    return el
  end
  return nil
end

local function medium()
  local m = meta["medium"]
  return m ~= nil and pandoc.utils.stringify(m) == "true"
end

local function image(el)
  if medium() then
    el.src = el.src:gsub("^figures/", ""):gsub("%.svg$", ".png")
  end
  return el
end

local function drop_comment(el)
  if el.format == "html" and el.text:match("^%s*<!%-%-") then
    return {}
  end
  return nil
end

local function escape_xml(text)
  return (text:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"):gsub('"', "&quot;"))
end

-- Width of a text in pixels at 15 px, generously (counts UTF-8 characters,
-- not bytes; bold text is wider).
local function text_width(text, bold)
  local _, n = text:gsub("[^\128-\191]", "")
  return n * (bold and 10.0 or 8.8)
end

-- A table as an SVG: a bold header row, rules between rows, the columns
-- aligned as in the Markdown.
local function table_svg(simple)
  local rows = {}
  local header = {}
  for _, cell in ipairs(simple.headers) do
    header[#header + 1] = pandoc.utils.stringify(cell)
  end
  rows[1] = header
  for _, row in ipairs(simple.rows) do
    local cells = {}
    for _, cell in ipairs(row) do
      cells[#cells + 1] = pandoc.utils.stringify(cell)
    end
    rows[#rows + 1] = cells
  end
  local widths = {}
  for i, row in ipairs(rows) do
    for j, text in ipairs(row) do
      widths[j] = math.max(widths[j] or 0, text_width(text, i == 1) + 24)
    end
  end
  local total = 0
  for _, w in ipairs(widths) do
    total = total + w
  end
  local row_h = 32
  local height = row_h * #rows + 8
  local out = {string.format('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">',
    math.ceil(total), height, math.ceil(total), height)}
  out[#out + 1] = string.format('<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>', math.ceil(total), height)
  for i, row in ipairs(rows) do
    local y = row_h * i
    local x = 0
    for j, text in ipairs(row) do
      local align = tostring(simple.aligns[j])
      local anchor, tx = "start", x + 12
      if align == "AlignRight" then
        anchor, tx = "end", x + widths[j] - 12
      end
      out[#out + 1] = string.format(
        '<text x="%.1f" y="%d" font-family="DejaVu Sans, Arial, sans-serif" font-size="15" text-anchor="%s" fill="#1d1d1f"%s>%s</text>',
        tx, y - 10, anchor, i == 1 and ' font-weight="bold"' or "", escape_xml(text))
      x = x + widths[j]
    end
    out[#out + 1] = string.format('<line x1="0" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1"/>',
      y, math.ceil(total), y, i == 1 and "#555555" or "#dddddd")
  end
  out[#out + 1] = "</svg>\n"
  return table.concat(out, "\n")
end

local tables_written = 0

local function table_as_image(tbl)
  if not medium() then
    return nil
  end
  local dir = meta["table-dir"]
  if dir == nil then
    error("post.lua: metadata table-dir is not set (render.sh passes it)")
  end
  tables_written = tables_written + 1
  local name = "table-" .. tables_written
  local path = pandoc.utils.stringify(dir) .. "/" .. name .. ".svg"
  local file = io.open(path, "w")
  if file == nil then
    error("post.lua: cannot write " .. path)
  end
  local simple = pandoc.utils.to_simple_table(tbl)
  file:write(table_svg(simple))
  file:close()
  local alt = {}
  for _, cell in ipairs(simple.headers) do
    alt[#alt + 1] = pandoc.utils.stringify(cell)
  end
  return pandoc.Para({pandoc.Image({pandoc.Str("Table: " .. table.concat(alt, ", "))}, name .. ".png")})
end

-- The picture at the top: in HTML, both drawings in one figure.
local function top_figure(para)
  if medium() or #para.content ~= 1 or para.content[1].t ~= "Image" then
    return nil
  end
  local img = para.content[1]
  if img.src ~= "figures/architecture.svg" then
    return nil
  end
  local caption = pandoc.write(pandoc.Pandoc({pandoc.Plain(img.caption)}), "html")
  local alt = escape_xml(pandoc.utils.stringify(img.caption))
  return pandoc.RawBlock("html",
    '<figure class="architecture">\n' ..
    '<img class="wide" src="figures/architecture.svg" alt="' .. alt .. '">\n' ..
    '<img class="narrow" src="figures/architecture-narrow.svg" alt="' .. alt .. '">\n' ..
    "<figcaption>" .. caption .. "</figcaption>\n</figure>")
end

return {
  { Meta = capture_meta },
  { Div = include },
  { Str = fill_str, Code = fill_code, Image = image, RawBlock = drop_comment, RawInline = drop_comment },
  { Table = table_as_image, Para = top_figure },
}
