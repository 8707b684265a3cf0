-- post.lua: the pandoc filter that joins the hand-written prose of
-- alexnet.md with what `plaincnn figures` generated.
--
--   ::: {.include src="examples/relu.md"}     replaced by the blocks of that file,
--   :::                                       read from the folder in metadata generated-dir
--   {{key}}                                   replaced by metadata value key (numbers.yaml);
--                                             an unknown key stops the build
--   ![...](figures/NAME.svg)                  becomes NAME.png when metadata medium is true
--
-- The filters run in the order listed at the bottom: metadata first, then
-- includes, then placeholders and images, so included text is filled in too.

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

local function image(el)
  local medium = meta["medium"]
  if medium ~= nil and pandoc.utils.stringify(medium) == "true" then
    el.src = el.src:gsub("^figures/", ""):gsub("%.svg$", ".png")
  end
  return el
end

return {
  { Meta = capture_meta },
  { Div = include },
  { Str = fill_str, Code = fill_code, Image = image },
}
