// cinemagraph studio: the page. Plain JavaScript, no build step, nothing loaded from elsewhere.
"use strict";

const $ = (selector) => document.querySelector(selector);
const COLOURS = ["#3b82f6", "#22c55e", "#f97316", "#a855f7", "#ec4899", "#14b8a6", "#eab308"];
const HISTORY_LIMIT = 40;

const state = {
  session: null,
  picture: null,          // {width, height, work_width, work_height, url, token}
  regions: [],            // {name, direction, speed, colour, canvas}
  active: 0,
  freeze: null,           // canvas, alpha = frozen
  arrows: [],             // {x0, y0, x1, y1} in the full picture's pixels
  selectedArrow: -1,
  tool: "brush",
  undo: [],
  redo: [],
  directions: [""],
  speeds: [""],
  version: 0,             // of the edits sent to the server
  busy: false,
  again: false,
  weights: false,         // whether the Stable Diffusion model can run here
  modelBusy: false,       // a generation or a search is running
  opens: 0,               // pictures the user has asked to open (started, not only done)
};

// ---------------------------------------------------------------- messages and requests

function say(text, isError = false) {
  const box = $("#message");
  box.textContent = text || "";
  box.classList.toggle("error", Boolean(isError));
  box.dataset.error = isError ? "true" : "false";
}

async function api(path, options = {}) {
  const reply = await fetch(path, options);
  const type = reply.headers.get("content-type") || "";
  const body = type.includes("json") ? await reply.json() : await reply.blob();
  if (!reply.ok) {
    const error = new Error((body && body.error) || `the server answered ${reply.status}`);
    error.stale = reply.status === 409;   // made for a picture that is no longer open
    throw error;
  }
  return body;
}

// An error on the page, unless it only says that a request was for an earlier picture.
function report(error) {
  if (!error.stale) say(error.message, true);
}

const sessionPath = (rest) => `/api/sessions/${state.session}/${rest}`;

function json(method, data) {
  return { method, headers: { "content-type": "application/json" }, body: JSON.stringify(data) };
}

// The picture open now: requests made for it carry its token, and their replies are used
// only while it is still the one open (another may open while they are on their way).
function pictureToken() {
  return state.picture ? state.picture.token : null;
}

function isOpen(token) {
  return token !== null && pictureToken() === token;
}

function forPicture(token, options = {}) {
  return { ...options, headers: { ...(options.headers || {}), "x-studio-picture": String(token) } };
}

// Pictures open one after another, in the order asked for, so that the server and the page
// always end on the same one.
let opening = Promise.resolve();

function openInTurn(work) {
  state.opens += 1;
  const run = opening.then(work);
  opening = run.catch(() => {});
  return run;
}

// ---------------------------------------------------------------- canvases

const pictureCanvas = $("#picture");
const paintCanvas = $("#paint");
const arrowCanvas = $("#arrows");
const stage = $("#stage");

function layer(width, height) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d", { willReadFrequently: true });
  return canvas;
}

function workSize() {
  return [state.picture.work_width, state.picture.work_height];
}

// Image pixels per work (painting) pixel.
function workScale() {
  return state.picture.width / state.picture.work_width;
}

function toWork(event) {
  const rect = paintCanvas.getBoundingClientRect();
  const [w, h] = workSize();
  return [(event.clientX - rect.left) * w / rect.width, (event.clientY - rect.top) * h / rect.height];
}

function drawMasks() {
  if (!state.picture) return;
  const [w, h] = workSize();
  const ctx = paintCanvas.getContext("2d");
  ctx.clearRect(0, 0, w, h);
  const tint = layer(w, h);
  const tctx = tint.getContext("2d");
  const paintOne = (mask, colour) => {
    tctx.globalCompositeOperation = "source-over";
    tctx.clearRect(0, 0, w, h);
    tctx.fillStyle = colour;
    tctx.fillRect(0, 0, w, h);
    tctx.globalCompositeOperation = "destination-in";
    tctx.drawImage(mask, 0, 0);
    ctx.drawImage(tint, 0, 0);
  };
  state.regions.forEach((region) => paintOne(region.canvas, region.colour));
  paintOne(state.freeze, "#f1f5f9");
  // Stripes over the frozen pixels, so that they read as "held still".
  tctx.globalCompositeOperation = "source-over";
  tctx.clearRect(0, 0, w, h);
  tctx.strokeStyle = "#0f172a";
  tctx.lineWidth = Math.max(2, w / 200);
  for (let x = -h; x < w; x += Math.max(8, w / 60)) {
    tctx.beginPath(); tctx.moveTo(x, 0); tctx.lineTo(x + h, h); tctx.stroke();
  }
  tctx.globalCompositeOperation = "destination-in";
  tctx.drawImage(state.freeze, 0, 0);
  ctx.drawImage(tint, 0, 0);
}

function drawArrow(ctx, x0, y0, x1, y1, colour, width, head) {
  const angle = Math.atan2(y1 - y0, x1 - x0);
  ctx.strokeStyle = colour;
  ctx.fillStyle = colour;
  ctx.lineWidth = width;
  ctx.lineCap = "round";
  ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - head * Math.cos(angle - 0.45), y1 - head * Math.sin(angle - 0.45));
  ctx.lineTo(x1 - head * Math.cos(angle + 0.45), y1 - head * Math.sin(angle + 0.45));
  ctx.closePath(); ctx.fill();
}

function drawArrows(extra = null) {
  if (!state.picture) return;
  const [w, h] = workSize();
  const ctx = arrowCanvas.getContext("2d");
  ctx.clearRect(0, 0, w, h);
  const s = 1 / workScale();
  const width = Math.max(2, w / 250);
  const all = extra ? [...state.arrows, extra] : state.arrows;
  all.forEach((a, index) => {
    const selected = index === state.selectedArrow;
    const head = Math.max(8, width * 5);
    drawArrow(ctx, a.x0 * s, a.y0 * s, a.x1 * s, a.y1 * s, "rgba(0,0,0,.6)", width + 3, head + 2);
    drawArrow(ctx, a.x0 * s, a.y0 * s, a.x1 * s, a.y1 * s, selected ? "#facc15" : "#ffffff", width, head);
  });
  $("#delete-arrow").disabled = state.selectedArrow < 0;
}

function drawBox(box) {
  drawArrows();
  if (!box) return;
  const ctx = arrowCanvas.getContext("2d");
  ctx.setLineDash([6, 4]);
  ctx.strokeStyle = "#facc15";
  ctx.lineWidth = 2;
  ctx.strokeRect(box[0], box[1], box[2] - box[0], box[3] - box[1]);
  ctx.setLineDash([]);
}

// ---------------------------------------------------------------- history

function snapshot() {
  const [w, h] = workSize();
  return {
    regions: state.regions.map((r) => ({ ...r, pixels: r.canvas.getContext("2d").getImageData(0, 0, w, h) })),
    freeze: state.freeze.getContext("2d").getImageData(0, 0, w, h),
    arrows: state.arrows.map((a) => ({ ...a })),
    active: state.active,
  };
}

function restore(shot) {
  const [w, h] = workSize();
  state.regions = shot.regions.map((r) => {
    const canvas = layer(w, h);
    canvas.getContext("2d").putImageData(r.pixels, 0, 0);
    return { name: r.name, direction: r.direction, speed: r.speed, colour: r.colour, canvas };
  });
  state.freeze.getContext("2d").putImageData(shot.freeze, 0, 0);
  state.arrows = shot.arrows.map((a) => ({ ...a }));
  state.active = Math.min(shot.active, state.regions.length - 1);
  state.selectedArrow = -1;
}

function remember() {
  if (!state.picture) return;
  state.undo.push(snapshot());
  if (state.undo.length > HISTORY_LIMIT) state.undo.shift();
  state.redo = [];
  updateHistoryButtons();
}

function step(from, to) {
  if (!from.length) return;
  to.push(snapshot());
  restore(from.pop());
  renderRegions(); drawMasks(); drawArrows(); updateHistoryButtons(); edited();
}

function updateHistoryButtons() {
  $("#undo").disabled = !state.undo.length;
  $("#redo").disabled = !state.redo.length;
}

// ---------------------------------------------------------------- regions panel

function addRegion(name = "water", options = {}) {
  const [w, h] = workSize();
  state.regions.push({
    name, direction: options.direction || "", speed: options.speed || "",
    colour: options.colour || COLOURS[state.regions.length % COLOURS.length],
    canvas: options.canvas || layer(w, h),
  });
  state.active = state.regions.length - 1;
}

function choice(values, current, label) {
  const select = document.createElement("select");
  select.title = label;
  values.forEach((value) => {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = value || `${label}: from the name`;
    option.selected = value === current;
    select.append(option);
  });
  return select;
}

function renderRegions() {
  const list = $("#regions");
  list.replaceChildren();
  state.regions.forEach((region, index) => {
    const box = document.createElement("div");
    box.className = "region" + (index === state.active ? " active" : "");
    box.dataset.index = index;
    const top = document.createElement("div");
    top.className = "row";
    const colour = document.createElement("input");
    colour.type = "color"; colour.value = region.colour; colour.title = "colour";
    const name = document.createElement("input");
    name.type = "text"; name.value = region.name; name.setAttribute("list", "fluids");
    name.className = "region-name"; name.title = "fluid: water, clouds, smoke …";
    const remove = document.createElement("button");
    remove.textContent = "×"; remove.title = "delete this region";
    top.append(colour, name, remove);
    const words = document.createElement("div");
    words.className = "row";
    const direction = choice(state.directions, region.direction, "direction");
    direction.className = "region-direction";
    const speed = choice(state.speeds, region.speed, "speed");
    speed.className = "region-speed";
    words.append(direction, speed);
    box.append(top, words);
    box.addEventListener("pointerdown", () => {
      if (state.active !== index) { state.active = index; renderRegions(); }
    });
    colour.addEventListener("input", () => { region.colour = colour.value; drawMasks(); });
    name.addEventListener("change", () => { remember(); region.name = name.value.trim().toLowerCase(); edited(); });
    direction.addEventListener("change", () => { remember(); region.direction = direction.value; edited(); });
    speed.addEventListener("change", () => { remember(); region.speed = speed.value; edited(); });
    remove.addEventListener("click", (event) => {
      event.stopPropagation();
      remember();
      state.regions.splice(index, 1);
      if (!state.regions.length) addRegion();
      state.active = Math.min(state.active, state.regions.length - 1);
      renderRegions(); drawMasks(); edited();
    });
    list.append(box);
  });
}

// ---------------------------------------------------------------- painting

function dab(ctx, x, y, radius, hardness) {
  const gradient = ctx.createRadialGradient(x, y, radius * hardness, x, y, radius);
  gradient.addColorStop(0, "rgba(0,0,0,1)");
  gradient.addColorStop(1, "rgba(0,0,0,0)");
  ctx.fillStyle = gradient;
  ctx.beginPath(); ctx.arc(x, y, radius, 0, 2 * Math.PI); ctx.fill();
}

function strokeTargets() {
  if (state.tool === "freeze") return [[state.freeze, "source-over"]];
  if (state.tool === "eraser") {
    return [[state.regions[state.active].canvas, "destination-out"], [state.freeze, "destination-out"]];
  }
  return [[state.regions[state.active].canvas, "source-over"]];
}

function paintSegment(from, to) {
  const radius = Number($("#size").value) / 2 * state.picture.work_width / 1024;
  const hardness = Math.min(0.99, Number($("#hardness").value) / 100);
  const length = Math.hypot(to[0] - from[0], to[1] - from[1]);
  const steps = Math.max(1, Math.ceil(length / Math.max(1, radius / 4)));
  for (const [canvas, mode] of strokeTargets()) {
    const ctx = canvas.getContext("2d");
    ctx.globalCompositeOperation = mode;
    for (let i = 1; i <= steps; i++) {
      const t = i / steps;
      dab(ctx, from[0] + (to[0] - from[0]) * t, from[1] + (to[1] - from[1]) * t, Math.max(1, radius), hardness);
    }
    ctx.globalCompositeOperation = "source-over";
  }
  drawMasks();
}

function nearestArrow(point) {
  const s = 1 / workScale();
  let best = -1, bestDistance = 12 * state.picture.work_width / 1024 + 6;
  state.arrows.forEach((a, index) => {
    const ax = a.x0 * s, ay = a.y0 * s, bx = a.x1 * s, by = a.y1 * s;
    const dx = bx - ax, dy = by - ay;
    const t = Math.max(0, Math.min(1, ((point[0] - ax) * dx + (point[1] - ay) * dy) / (dx * dx + dy * dy || 1)));
    const distance = Math.hypot(point[0] - ax - t * dx, point[1] - ay - t * dy);
    if (distance < bestDistance) { best = index; bestDistance = distance; }
  });
  return best;
}

let gesture = null;

function clampToPicture(point) {
  const [w, h] = workSize();
  return [Math.max(0, Math.min(w - 1, point[0])), Math.max(0, Math.min(h - 1, point[1]))];
}

function onDown(event) {
  if (!state.picture || event.button !== 0) return;
  event.preventDefault();
  arrowCanvas.setPointerCapture(event.pointerId);
  const point = clampToPicture(toWork(event));
  if (["brush", "eraser", "freeze"].includes(state.tool)) {
    remember();
    gesture = { kind: "paint", last: point };
    paintSegment(point, point);
  } else if (state.tool === "arrow") {
    gesture = { kind: "arrow", start: point, end: point };
  } else if (state.tool === "select") {
    gesture = { kind: "select", start: point, end: point };
  } else if (state.tool === "pick") {
    state.selectedArrow = nearestArrow(point);
    if (state.selectedArrow >= 0) {
      remember();
      gesture = { kind: "move", last: point, moved: false };
    }
    drawArrows();
  }
}

function onMove(event) {
  if (!gesture) return;
  const point = clampToPicture(toWork(event));
  const s = workScale();
  if (gesture.kind === "paint") {
    paintSegment(gesture.last, point);
    gesture.last = point;
  } else if (gesture.kind === "arrow") {
    gesture.end = point;
    const [a, b] = [gesture.start, gesture.end];
    drawArrows({ x0: a[0] * s, y0: a[1] * s, x1: b[0] * s, y1: b[1] * s });
  } else if (gesture.kind === "select") {
    gesture.end = point;
    const [a, b] = [gesture.start, gesture.end];
    drawBox([Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])]);
  } else if (gesture.kind === "move") {
    const arrow = state.arrows[state.selectedArrow];
    const dx = (point[0] - gesture.last[0]) * s, dy = (point[1] - gesture.last[1]) * s;
    const maxX = state.picture.width - 1, maxY = state.picture.height - 1;
    const ok = [arrow.x0 + dx, arrow.x1 + dx].every((x) => x >= 0 && x <= maxX)
      && [arrow.y0 + dy, arrow.y1 + dy].every((y) => y >= 0 && y <= maxY);
    if (ok) {
      arrow.x0 += dx; arrow.x1 += dx; arrow.y0 += dy; arrow.y1 += dy;
      gesture.moved = true;
    }
    gesture.last = point;
    drawArrows();
  }
}

async function onUp(event) {
  if (!gesture) return;
  const done = gesture;
  gesture = null;
  const s = workScale();
  if (done.kind === "paint") {
    edited();
  } else if (done.kind === "arrow") {
    const [a, b] = [done.start, done.end];
    if (Math.hypot(b[0] - a[0], b[1] - a[1]) >= 3) {
      remember();
      state.arrows.push({ x0: a[0] * s, y0: a[1] * s, x1: b[0] * s, y1: b[1] * s });
      state.selectedArrow = state.arrows.length - 1;
      edited();
    }
    drawArrows();
  } else if (done.kind === "select") {
    const [a, b] = [done.start, done.end];
    const body = Math.hypot(b[0] - a[0], b[1] - a[1]) < 6 ? { point: a }
      : { box: [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])] };
    const token = pictureToken();
    say("Selecting…");
    try {
      const reply = await api(sessionPath("select"), forPicture(token, json("POST", body)));
      const image = await loadImage(reply.mask);
      if (isOpen(token)) {
        remember();
        addMaskImage(state.regions[state.active].canvas, image);
        drawMasks();
        say(`Smart select added ${reply.pixels} pixels to “${state.regions[state.active].name}”: refine with the brush and eraser.`);
        edited();
      }
    } catch (error) { if (isOpen(token)) report(error); }
    drawArrows();
  } else if (done.kind === "move" && done.moved) {
    edited();
  }
}

function addMaskImage(canvas, image) {
  // A grey mask image (white = selected) added to a layer's alpha.
  const [w, h] = workSize();
  const grey = layer(w, h);
  const gctx = grey.getContext("2d");
  gctx.drawImage(image, 0, 0, w, h);
  const pixels = gctx.getImageData(0, 0, w, h);
  for (let i = 0; i < pixels.data.length; i += 4) {
    pixels.data[i + 3] = pixels.data[i];
    pixels.data[i] = pixels.data[i + 1] = pixels.data[i + 2] = 0;
  }
  gctx.putImageData(pixels, 0, 0);
  canvas.getContext("2d").drawImage(grey, 0, 0);
}

function maskURL(canvas) {
  // The layer's alpha as a grey PNG (white = painted), as the server reads masks.
  const [w, h] = workSize();
  const pixels = canvas.getContext("2d").getImageData(0, 0, w, h);
  for (let i = 0; i < pixels.data.length; i += 4) {
    const a = pixels.data[i + 3];
    pixels.data[i] = pixels.data[i + 1] = pixels.data[i + 2] = a;
    pixels.data[i + 3] = 255;
  }
  const out = layer(w, h);
  out.getContext("2d").putImageData(pixels, 0, 0);
  return out.toDataURL("image/png");
}

function loadImage(url) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error("an image from the server could not be shown"));
    image.src = url;
  });
}

// ---------------------------------------------------------------- sliders

const SLIDERS = ["speed", "turbulence", "frames", "fps"];

function showSlider(id) {
  const input = $("#" + id);
  input.nextElementSibling.textContent = id === "speed" || id === "turbulence" ? `×${Number(input.value).toFixed(2)}` : input.value;
}

function settings() {
  return {
    speed: Number($("#speed").value), turbulence: Number($("#turbulence").value),
    frames: Number($("#frames").value), fps: Number($("#fps").value), seed: 0,
  };
}

function setSettings(values) {
  for (const id of SLIDERS) {
    if (values && values[id] !== undefined) $("#" + id).value = values[id];
    showSlider(id);
  }
}

// ---------------------------------------------------------------- sync and preview

let editTimer = null;

function edited() {
  state.version += 1;
  clearTimeout(editTimer);
  editTimer = setTimeout(sync, 120);
}

function projectJSON() {
  return {
    regions: state.regions.map((r) => ({
      name: r.name, direction: r.direction, speed: r.speed, colour: r.colour, mask: maskURL(r.canvas),
    })),
    freeze: maskURL(state.freeze),
    arrows: state.arrows,
    settings: settings(),
  };
}

function hasPaint() {
  const [w, h] = workSize();
  return state.regions.some((r) => {
    const data = r.canvas.getContext("2d").getImageData(0, 0, w, h).data;
    for (let i = 3; i < data.length; i += 16) if (data[i]) return true;
    return false;
  });
}

async function sync() {
  if (!state.picture) return;
  if (state.busy) { state.again = true; return; }
  state.busy = true;
  const version = state.version;
  const token = pictureToken();
  try {
    const reply = await api(sessionPath("project"), forPicture(token, json("PUT", projectJSON())));
    if (!isOpen(token)) return;
    $("#command").value = reply.command;
    if (!hasPaint()) {
      setPreviewStatus(false, "Paint a region with the brush to see it move");
    } else {
      for (const draft of [true, false]) {
        if (state.version !== version) break;
        setPreviewStatus(true, draft ? "Rendering a quick preview…" : "Rendering the full preview…");
        const meta = await api(sessionPath(`preview?draft=${draft}`), forPicture(token, { method: "POST" }));
        if (state.version !== version) break;
        await play(meta, version);
      }
      if (state.version === version && $("#message").dataset.error === "true") say("");
    }
  } catch (error) {
    // A failure of what a newer edit or picture has replaced is no longer news; a preview
    // the server replaced while this edit is still the page's is rendered again.
    if (state.version === version && error.superseded) state.again = true;
    else if (state.version === version && !error.stale) {
      setPreviewStatus(false, "Preview failed");
      say(error.message, true);
    }
  } finally {
    state.busy = false;
    if (state.again || state.version !== version) { state.again = false; sync(); }
  }
}

function setPreviewStatus(working, text) {
  $("#preview-progress").hidden = !working;
  $("#preview-status").textContent = text;
}

const player = { image: null, meta: null, start: 0, frame: -1, overlay: null };

// A file of a rendered preview as an object URL. The server answers 409 for a preview a
// newer version of the project has superseded: such an error says so (superseded).
async function previewFile(url) {
  try {
    return URL.createObjectURL(await api(url));
  } catch (error) {
    error.superseded = Boolean(error.stale);
    throw error;
  }
}

// The motion overlay shown now (an object URL, or none).
function showOverlay(url) {
  const overlay = $("#overlay");
  if (player.overlay) URL.revokeObjectURL(player.overlay);
  player.overlay = url;
  if (url) overlay.src = url; else overlay.removeAttribute("src");
}

async function play(meta, edit) {
  const files = await Promise.allSettled([previewFile(meta.sheet), previewFile(meta.overlay)]);
  const failed = files.find((file) => file.status === "rejected");
  if (failed) {
    files.forEach((file) => { if (file.status === "fulfilled") URL.revokeObjectURL(file.value); });
    throw failed.reason;
  }
  const [sheet, overlayURL] = files.map((file) => file.value);
  let image;
  try {
    image = await loadImage(sheet);
  } finally { URL.revokeObjectURL(sheet); }
  if (state.version !== edit) {   // edited or another picture opened meanwhile
    URL.revokeObjectURL(overlayURL);
    return;
  }
  const canvas = $("#preview");
  canvas.width = meta.width;
  canvas.height = meta.height;
  Object.assign(player, { image, meta, start: performance.now(), frame: -1 });
  showOverlay(overlayURL);
  const notes = $("#notes");
  notes.replaceChildren(...meta.notes.map((text) => {
    const item = document.createElement("li"); item.textContent = text; return item;
  }));
  canvas.dataset.playing = "true";
  canvas.dataset.quality = meta.quality;
  canvas.dataset.version = String(meta.version);
  canvas.dataset.edit = String(edit);
  setPreviewStatus(false, `Playing the ${meta.quality === "draft" ? "quick" : "full"} preview: ${meta.frames} frames at ${meta.fps.toFixed(1)} fps, ${meta.width}×${meta.height}`);
}

function tick(now) {
  if (player.image) {
    const { meta, image } = player;
    const frame = Math.floor((now - player.start) / 1000 * meta.fps) % meta.frames;
    if (frame !== player.frame) {
      const column = frame % meta.columns, row = Math.floor(frame / meta.columns);
      const ctx = $("#preview").getContext("2d");
      ctx.drawImage(image, column * meta.width, row * meta.height, meta.width, meta.height, 0, 0, meta.width, meta.height);
      player.frame = frame;
      $("#preview").dataset.frame = String(frame);
    }
  }
  requestAnimationFrame(tick);
}

// ---------------------------------------------------------------- opening pictures and projects

async function openPicture(file) {
  if (!file) return;
  say(`Opening ${file.name}…`);
  try {
    await openInTurn(async () => {
      const info = await api(sessionPath("picture"), { method: "POST", body: file });
      showPicture(info, await loadImage(info.url));
      addRegion("water");
      renderRegions(); drawMasks(); drawArrows();
      say(`Opened ${file.name} (${info.width}×${info.height}). Paint what moves with the brush.`);
    });
  } catch (error) { say(error.message, true); }
}

// The picture the server has just opened, with its image loaded: the page starts on it.
function showPicture(info, image) {
  state.picture = info;
  const w = info.work_width, h = info.work_height;
  for (const canvas of [pictureCanvas, paintCanvas, arrowCanvas]) { canvas.width = w; canvas.height = h; }
  pictureCanvas.getContext("2d").drawImage(image, 0, 0);
  stage.style.aspectRatio = `${w} / ${h}`;
  stage.classList.remove("empty");
  state.regions = []; state.arrows = []; state.undo = []; state.redo = [];
  state.selectedArrow = -1; state.active = 0;
  state.freeze = layer(w, h);
  state.version += 1;     // a preview still rendering for the last picture is dropped
  player.image = null;
  const preview = $("#preview");
  preview.dataset.playing = "false";
  preview.getContext("2d").clearRect(0, 0, preview.width, preview.height);
  setPreviewStatus(false, "No preview yet");
  showOverlay(null);   // the last picture's motion
  if (info.prompt) $("#prompt").value = info.prompt;
  $("#model-status").textContent = "";
  updateHistoryButtons();
  updateModelButtons();
}

async function loadProject(file) {
  if (!file) return;
  say(`Loading ${file.name}…`);
  try {
    await openInTurn(async () => {
      const reply = await api(sessionPath("project.zip"), { method: "POST", body: file });
      const project = reply.project;
      const [image, masks, freeze] = await Promise.all([
        loadImage(reply.picture.url), loadImages(project.regions),
        project.freeze ? loadImage(project.freeze) : null]);
      showPicture(reply.picture, image);
      project.regions.forEach((region, index) => addRegion(region.name, { ...region, canvas: maskLayer(masks[index]) }));
      if (!state.regions.length) addRegion();
      if (freeze) addMaskImage(state.freeze, freeze);
      state.arrows = project.arrows || [];
      setSettings(project.settings);
      renderRegions(); drawMasks(); drawArrows(); edited();
      say(`Loaded ${file.name}.`);
    });
  } catch (error) { say(error.message, true); }
}

function loadImages(regions) {
  return Promise.all(regions.map((region) => loadImage(region.mask)));
}

// A new layer of the open picture's size holding a grey mask image.
function maskLayer(image) {
  const [w, h] = workSize();
  const canvas = layer(w, h);
  addMaskImage(canvas, image);
  return canvas;
}

// ---------------------------------------------------------------- text mode

function updateModelButtons() {
  const generated = Boolean(state.picture && state.picture.generated);
  $("#prompt").disabled = !(state.weights || generated);
  $("#generate").disabled = !state.weights || state.modelBusy;
  $("#find").disabled = !(state.weights || generated) || !state.picture || state.modelBusy;
}

async function runModelJob(path, body, token = null) {
  // Start a generation or a search (for the picture of token) and follow its progress;
  // returns the finished job.
  const bar = $("#model-progress");
  const status = $("#model-status");
  state.modelBusy = true; updateModelButtons();
  bar.hidden = false; bar.value = 0;
  try {
    const options = json("POST", body);
    let job = await api(sessionPath(path), token === null ? options : forPicture(token, options));
    while (job.state === "running") {
      status.textContent = `${job.stage} (${Math.round(job.progress * 100)}%)`;
      bar.value = job.progress;
      await new Promise((resolve) => setTimeout(resolve, 250));
      job = await api(sessionPath(`jobs/${job.id}`));
    }
    if (job.state !== "done") throw new Error(job.error || "the model failed");
    status.textContent = "";
    const notes = $("#notes");
    notes.replaceChildren(...job.notes.map((text) => {
      const item = document.createElement("li"); item.textContent = text; return item;
    }));
    return job;
  } catch (error) {
    status.textContent = "";
    throw error;
  } finally {
    bar.hidden = true;
    state.modelBusy = false; updateModelButtons();
  }
}

async function generatePicture() {
  const prompt = $("#prompt").value.trim();
  if (!prompt) { say("type a prompt first: what the picture shows and what moves", true); return; }
  const opens = state.opens;
  say(`Generating “${prompt}”…`);
  $("#model-status").dataset.done = "false";
  $("#open-generated").hidden = true;
  try {
    const job = await runModelJob("generate", { prompt, seed: 0 });
    if (state.opens === opens) await openGenerated(job.id);
    else offerGenerated(job);
  } catch (error) { say(error.message, true); }
}

// The user opened another picture while this one was being generated: it stays open, and
// the generated one waits for the user to open it.
function offerGenerated(job) {
  const button = $("#open-generated");
  button.dataset.job = job.id;
  button.hidden = false;
  $("#model-status").textContent = "Generated: open it when you like";
  $("#model-status").dataset.done = "generate-offered";
  const { prompt, width, height } = job.result;
  say(`Generated “${prompt}” (${width}×${height}); the picture you opened meanwhile stays open. Open the generated one with “Open the generated picture”.`);
}

async function openGenerated(id) {
  $("#open-generated").hidden = true;
  try {
    await openInTurn(async () => {
      const reply = await api(sessionPath(`jobs/${id}/open`), { method: "POST" });
      const [image, masks] = await Promise.all([loadImage(reply.picture.url), loadImages(reply.regions)]);
      showPicture(reply.picture, image);
      reply.regions.forEach((region, index) => addRegion(region.name, { canvas: maskLayer(masks[index]) }));
      if (!state.regions.length) addRegion("water");
      state.active = 0;
      renderRegions(); drawMasks(); drawArrows(); edited();
      const names = reply.regions.map((r) => r.name).join(", ");
      $("#model-status").textContent = `Generated; its twin gives the motion`;
      $("#model-status").dataset.done = "generate";
      say(`Generated ${reply.picture.width}×${reply.picture.height} from the prompt. Regions found from the attention: ${names || "none"}; refine them with the brush.`);
    });
  } catch (error) { say(error.message, true); }
}

async function findRegions() {
  const prompt = $("#prompt").value.trim();
  if (!prompt) { say("type the fluids to find first (water, clouds, smoke …)", true); return; }
  if (!state.picture) { say("open a picture first", true); return; }
  const token = pictureToken();
  say(`Finding ${prompt}…`);
  $("#model-status").dataset.done = "false";
  try {
    const { result } = await runModelJob("find", { prompt }, token);
    const masks = await loadImages(result.regions);
    if (!isOpen(token)) return;   // found in a picture that is no longer open
    remember();
    const lone = state.regions.length === 1 && !hasPaint();
    if (lone) state.regions = [];
    result.regions.forEach((region, index) => addRegion(region.name, { canvas: maskLayer(masks[index]) }));
    if (!state.regions.length) addRegion("water");
    state.active = Math.max(0, state.regions.length - result.regions.length);
    renderRegions(); drawMasks(); edited();
    const names = result.regions.map((r) => r.name).join(", ");
    const how = result.source === "attention" ? "the attention captured while generating" : "DDIM inversion";
    $("#model-status").textContent = `Found ${names || "nothing"}`;
    $("#model-status").dataset.done = "find";
    say(`Found from the prompt (${how}): ${names || "nothing"}; refine with the brush and eraser.`);
  } catch (error) { if (isOpen(token)) report(error); }
}

// ---------------------------------------------------------------- export, command line, save

async function startExport(format) {
  if (!state.picture) { say("open a picture first", true); return; }
  const link = $("#download");
  link.hidden = true;
  const bar = $("#export-progress");
  bar.hidden = false; bar.value = 0;
  const token = pictureToken();
  try {
    await api(sessionPath("project"), forPicture(token, json("PUT", projectJSON())));
    let job = await api(sessionPath("exports"), forPicture(token, json("POST", { format })));
    while (job.state === "running") {
      $("#export-status").textContent = `${job.stage} (${Math.round(job.progress * 100)}%)`;
      bar.value = job.progress;
      await new Promise((resolve) => setTimeout(resolve, 300));
      job = await api(sessionPath(`exports/${job.id}`));
    }
    if (job.state !== "done") throw new Error(job.error || "the export failed");
    bar.value = 1;
    $("#export-status").textContent = `Exported ${job.filename}`;
    link.href = job.url;
    link.download = job.filename;
    link.textContent = `Download ${job.filename}`;
    link.dataset.format = format;
    link.hidden = false;
    if (isOpen(token)) $("#command").value = job.command;
  } catch (error) {
    if (!error.stale) {
      $("#export-status").textContent = "Export failed";
      say(error.message, true);
    }
  } finally { bar.hidden = true; }
}

async function copyCommand() {
  if (!state.picture) { say("open a picture first", true); return; }
  const token = pictureToken();
  try {
    await api(sessionPath("project"), forPicture(token, json("PUT", projectJSON())));
    const reply = await api(sessionPath("command"), forPicture(token));
    const box = $("#command");
    box.value = reply.command;
    box.select();
    try { await navigator.clipboard.writeText(reply.command); } catch { document.execCommand("copy"); }
    say(`Command line copied. ${reply.note}`);
  } catch (error) { report(error); }
}

async function saveProject() {
  if (!state.picture) { say("open a picture first", true); return; }
  const token = pictureToken();
  try {
    await api(sessionPath("project"), forPicture(token, json("PUT", projectJSON())));
    if (!isOpen(token)) return;
    const link = document.createElement("a");
    link.href = sessionPath("project.zip");
    link.download = "cinemagraph-project.zip";
    document.body.append(link); link.click(); link.remove();
  } catch (error) { report(error); }
}

// ---------------------------------------------------------------- wiring

function chooseTool(tool) {
  state.tool = tool;
  document.querySelectorAll("#tool-buttons button").forEach((b) => b.classList.toggle("active", b.dataset.tool === tool));
  arrowCanvas.style.cursor = tool === "pick" ? "pointer" : "crosshair";
}

function deleteSelectedArrow() {
  if (state.selectedArrow < 0) return;
  remember();
  state.arrows.splice(state.selectedArrow, 1);
  state.selectedArrow = -1;
  drawArrows(); edited();
}

async function start() {
  document.querySelectorAll("#tool-buttons button").forEach((b) => b.addEventListener("click", () => chooseTool(b.dataset.tool)));
  for (const id of ["size", "hardness"]) {
    const input = $("#" + id);
    const show = () => { input.nextElementSibling.textContent = id === "size" ? `${input.value} px` : `${input.value}%`; };
    input.addEventListener("input", show); show();
  }
  for (const id of SLIDERS) {
    $("#" + id).addEventListener("input", () => showSlider(id));
    $("#" + id).addEventListener("change", () => edited());
  }
  setSettings(null);
  // Each pick opens its file; the input forgets it, so that choosing it again opens it again.
  $("#file").addEventListener("change", (e) => { const file = e.target.files[0]; e.target.value = ""; openPicture(file); });
  $("#project-file").addEventListener("change", (e) => { const file = e.target.files[0]; e.target.value = ""; loadProject(file); });
  stage.addEventListener("dragover", (e) => { e.preventDefault(); stage.classList.add("drag"); });
  stage.addEventListener("dragleave", () => stage.classList.remove("drag"));
  stage.addEventListener("drop", (e) => {
    e.preventDefault(); stage.classList.remove("drag");
    openPicture(e.dataTransfer.files[0]);
  });
  arrowCanvas.addEventListener("pointerdown", onDown);
  arrowCanvas.addEventListener("pointermove", onMove);
  arrowCanvas.addEventListener("pointerup", onUp);
  arrowCanvas.addEventListener("pointercancel", onUp);
  $("#undo").addEventListener("click", () => step(state.undo, state.redo));
  $("#redo").addEventListener("click", () => step(state.redo, state.undo));
  $("#delete-arrow").addEventListener("click", deleteSelectedArrow);
  $("#add-region").addEventListener("click", () => {
    if (!state.picture) { say("open a picture first", true); return; }
    remember(); addRegion(state.regions.length ? "clouds" : "water"); renderRegions();
  });
  $("#show-motion").addEventListener("change", (e) => { $("#overlay").hidden = !e.target.checked; });
  document.querySelectorAll("#export-buttons button").forEach((b) => b.addEventListener("click", () => startExport(b.dataset.format)));
  $("#copy-command").addEventListener("click", copyCommand);
  $("#save-project").addEventListener("click", saveProject);
  $("#generate").addEventListener("click", generatePicture);
  $("#find").addEventListener("click", findRegions);
  $("#open-generated").addEventListener("click", (e) => openGenerated(e.target.dataset.job));
  $("#prompt").addEventListener("keydown", (e) => { if (e.key === "Enter" && !$("#generate").disabled) generatePicture(); });
  document.addEventListener("keydown", (e) => {
    if (e.target.matches("input, textarea, select")) return;
    const key = e.key.toLowerCase();
    if ((e.ctrlKey || e.metaKey) && key === "z") { e.preventDefault(); step(e.shiftKey ? state.redo : state.undo, e.shiftKey ? state.undo : state.redo); }
    else if ((e.ctrlKey || e.metaKey) && key === "y") { e.preventDefault(); step(state.redo, state.undo); }
    else if (key === "delete" || key === "backspace") deleteSelectedArrow();
    else {
      const tool = { b: "brush", e: "eraser", f: "freeze", s: "select", a: "arrow", v: "pick" }[key];
      if (tool) chooseTool(tool);
    }
  });
  updateHistoryButtons();
  requestAnimationFrame(tick);
  try {
    const session = api("/api/sessions", { method: "POST" });
    const status = await api("/api/status");
    state.directions = status.directions;
    state.speeds = status.speeds;
    state.session = (await session).session;
    document.body.dataset.ready = "true";
    const weights = await api("/api/weights");
    state.weights = Boolean(weights.available);
    const line = $("#weights-message");
    line.textContent = weights.message;
    line.classList.toggle("warning", !state.weights);
    line.dataset.available = String(state.weights);
    updateModelButtons();
  } catch (error) { say(`cannot reach the studio server: ${error.message}`, true); }
}

start();
