// The line simulator's page. It holds no menu logic: every step is the line's own answer,
// fetched from /simulator/api, which calls the real webhooks. This file only plays the
// answer (speech or recording), shows it, and sends the caller's key back.
"use strict";

const $ = (id) => document.getElementById(id);
const KEYS = "0123456789*#";
const OUTCOME_LABELS = {
  "completed": "Answered, and the call ends",
  "busy": "Busy",
  "no-answer": "No answer",
  "failed": "Failed (number blocked by the network)",
  "canceled": "Canceled",
};

// Whose number the forwarded contact sees (the caller-ID policy of menus.yaml).
const CALLER_ID_LABELS = {
  "line": "The line's own number: the contact does not see the caller's number.",
  "caller": "The caller's own number: the contact sees who calls.",
};

// Twilio follows <Redirect> without limit; a loop in menus.yaml would spin here for ever.
const MAX_REDIRECTS = 10;

const call = {
  id: 0,          // grows with every call and step: an old step's playback stops itself
  active: false,
  step: null,     // the line's last answer
  accepting: false, // a key press is heard now (inside <Gather>)
  redirects: 0,   // redirects in a row, without the caller doing anything
  timer: null,
  audio: null,
  utterance: null, // Chrome skips onend for an utterance it has garbage-collected
};
let voicesReady = null;
let setup = null;
let smsCookie = null; // what Twilio would keep for the sender between messages

async function api(path, payload) {
  const response = await fetch("/simulator/api/" + path, {
    method: payload ? "POST" : "GET",
    headers: payload ? { "Content-Type": "application/json" } : {},
    body: payload ? JSON.stringify(payload) : undefined,
    credentials: "same-origin",
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `the simulator answered ${response.status}`);
  return data;
}

function country() {
  return $("country").value || "NL";
}

function status(text) {
  $("status").textContent = text;
}

// -- the transcript -------------------------------------------------------------------------

function line(list, text, options = {}) {
  const item = document.createElement("li");
  if (options.className) item.className = options.className;
  if (options.lang) item.lang = options.lang;
  item.dir = "auto"; // Arabic reads right to left
  item.textContent = text;
  if (options.meta) {
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.lang = "en";
    meta.dir = "ltr";
    meta.textContent = options.meta;
    item.append(" ", meta);
  }
  list.append(item);
  list.scrollTop = list.scrollHeight; // the list scrolls, not the page
  return item;
}

function note(text) {
  return line($("transcript"), text, { className: "note" });
}

function showEvent(event) {
  if (event.kind === "say" || event.kind === "play") {
    const how = event.kind === "play" ? "recording" : `${event.language}, ${event.voice}`;
    return line($("transcript"), event.text, { className: "said", lang: event.lang, meta: how });
  }
  if (event.kind === "forward") {
    showForward(event);
    const item = note("Forward to ");
    item.append(named(event), ` (${event.display}). Caller ID: `
      + CALLER_ID_LABELS[event.caller_id]);
    return item;
  }
  return note("The line hangs up.");
}

// -- sound ---------------------------------------------------------------------------------

function speechTag(event) {
  // Twilio's language is a BCP 47 tag (nl-NL) except for a few voices (arb): fall back to
  // the language code of menus.yaml.
  return /^[a-z]{2,3}-[A-Z]{2}$/.test(event.language) ? event.language : event.lang;
}

function loadVoices() {
  // Chrome fills the list of voices later, with a voiceschanged event.
  if (!window.speechSynthesis) return Promise.resolve([]);
  if (!voicesReady) {
    voicesReady = new Promise((done) => {
      if (speechSynthesis.getVoices().length) return done();
      speechSynthesis.addEventListener("voiceschanged", () => done(), { once: true });
      setTimeout(done, 1500);
    });
  }
  return voicesReady;
}

function voiceFor(tag, lang) {
  const voices = window.speechSynthesis ? speechSynthesis.getVoices() : [];
  const norm = (v) => v.lang.replace("_", "-");
  return voices.find((v) => norm(v) === tag)
    || voices.find((v) => norm(v).split("-")[0] === lang) || null;
}

// Resolves with null when the prompt was heard, or with why it was not.
async function speak(event, id) {
  await loadVoices();
  const voice = voiceFor(speechTag(event), event.lang);
  if (!voice) return `no voice for ${event.lang || event.language} in this browser`;
  // Sentence by sentence: some voices stop after about 15 s without an end event.
  for (const sentence of event.text.split(/(?<=[.?!:])\s+/)) {
    if (id !== call.id) return null;
    await sayOne(sentence, voice, speechTag(event));
  }
  return null;
}

function sayOne(text, voice, tag) {
  return new Promise((done) => {
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = tag;
    utterance.voice = voice;
    call.utterance = utterance;
    // A voice that never ends is cut off after well over its time, so nothing queues
    // behind it and the time-out starts when the speaking has stopped.
    const watchdog = setTimeout(() => { speechSynthesis.cancel(); done(); },
      4000 + text.length * 150);
    utterance.onend = utterance.onerror = () => { clearTimeout(watchdog); done(); };
    speechSynthesis.speak(utterance);
  });
}

function playRecording(event) {
  return new Promise((done) => {
    const audio = new Audio(event.url);
    call.audio = audio;
    audio.onended = audio.onpause = () => done(null);
    audio.onerror = () => done("the recording could not play");
    audio.play().catch(() => done("the recording could not play"));
  });
}

function silence() {
  if (window.speechSynthesis) speechSynthesis.cancel();
  if (call.audio) call.audio.pause();
  call.audio = null;
  call.utterance = null;
}

// -- the call ------------------------------------------------------------------------------

// How many of the step's events come before the call waits for a key: the verbs after a
// <Gather> (the goodbye and the hang-up after the last chance's offer) run only when no
// key comes.
function heardFirst(step) {
  return step.events.length - (step.gather ? step.heard_on_timeout || 0 : 0);
}

// Shows and sounds the step's events up to the wait for a key; resolves with how many
// were heard aloud, or null when a key, a hang-up or a new call came first.
function play(step, id) {
  const shown = heardFirst(step);
  return playEvents(step, id, 0, shown, shown - step.heard_in_gather);
}

async function playEvents(step, id, from, to, firstInGather = -1) {
  let heard = 0;
  for (let i = from; i < to; i++) {
    if (id !== call.id) return null;
    // A key cuts the prompts of a <Gather> short, as on a phone; not the ones before it.
    if (step.gather && i === firstInGather) listen(step);
    const event = step.events[i];
    const item = showEvent(event);
    if ($("sound").checked && (event.kind === "say" || event.kind === "play")) {
      item.classList.add("speaking");
      const problem = event.kind === "play" ? await playRecording(event) : await speak(event, id);
      item.classList.remove("speaking");
      if (problem && id === call.id) item.querySelector(".meta").textContent += ` (${problem})`;
      if (!problem) heard++;
    }
  }
  return id === call.id ? heard : null;
}

function listen(step) {
  call.accepting = true;
  setKeys(true);
  status(`Waiting for a key (the line waits ${step.timeout} s after its last prompt).`);
}

async function run(payload) {
  const id = ++call.id;
  call.accepting = false;
  setKeys(false);
  clearTimeout(call.timer);
  let step;
  try {
    step = await api("voice", { ...payload, country: country() });
  } catch (error) {
    if (id !== call.id) return; // an old call's request: this call goes on
    note(`The simulator could not reach the line: ${error.message}`);
    return end("Call ended: the simulator failed.");
  }
  if (id !== call.id) return;
  call.step = step;
  for (const text of step.texts) showOutboxText(text);
  const heard = await play(step, id);
  if (heard === null) return;
  next(step, id, heard);
}

function next(step, id, heard) {
  if (step.redirect) {
    if (++call.redirects > MAX_REDIRECTS) {
      note(`The line redirected ${MAX_REDIRECTS} times in a row without waiting for the `
        + "caller: a loop in menus.yaml?");
      return end("Call ended by the simulator.");
    }
    return run({ path: step.redirect });
  }
  call.redirects = 0;
  if (step.gather) {
    if (!call.accepting) listen(step);
    // The line's time-out runs only after prompts that were heard; prompts that were only
    // shown wait for a key or for "Press nothing".
    if (heard > 0) {
      status(`Waiting ${step.timeout} s for a key…`);
      call.timer = setTimeout(() => id === call.id && timeout(), step.timeout * 1000);
    }
    return;
  }
  if (step.dial) {
    status("The line forwards the call. Choose how the forwarded call ends.");
    return;
  }
  end("Call ended.");
}

function press(key) {
  if (!call.active) {
    status("Not in a call: press “Call the line” first.");
    return;
  }
  flash(key);
  if (!call.accepting || !call.step || !call.step.gather) {
    note(`Key ${key}: not heard (the line is not waiting for a key).`);
    return;
  }
  silence();
  line($("transcript"), `You press ${key}`, { className: "caller" });
  call.redirects = 0;
  run({ path: call.step.gather, digits: key });
}

function timeout() {
  if (!call.active || !call.step || !call.step.gather) return;
  silence();
  line($("transcript"), `You press nothing for ${call.step.timeout} s`, { className: "caller" });
  const step = call.step;
  if (!step.on_timeout) {
    // No <Redirect>: the verbs after the <Gather> (goodbye), then Twilio hangs up.
    const id = ++call.id;
    call.accepting = false;
    setKeys(false);
    clearTimeout(call.timer);
    const after = step.events.slice(heardFirst(step));
    playEvents(step, id, heardFirst(step), step.events.length).then((heard) => {
      if (heard === null) return;
      if (!after.some((event) => event.kind === "hangup")) note("The line hangs up.");
      end("Call ended.");
    });
    return;
  }
  run({ path: step.on_timeout });
}

function start() {
  silence();
  $("transcript").replaceChildren();
  hideForward();
  call.active = true;
  $("call").disabled = true;
  $("hangup").disabled = false;
  $("country").disabled = true;
  const from = setup.countries.find((c) => c.code === country());
  note(`Calling the line from ${from ? from.number : "a withheld number"}.`);
  status("Ringing…");
  $("hangup").focus(); // the focused Call button was just disabled
  call.redirects = 0;
  run({ path: "/voice" });
}

function end(text) {
  call.id++;
  call.active = false;
  call.accepting = false;
  clearTimeout(call.timer);
  silence();
  setKeys(false);
  $("call").disabled = false;
  $("hangup").disabled = true;
  $("country").disabled = false;
  $("outcomes").replaceChildren();
  status(text);
  // Back to Call, unless the person is busy elsewhere (typing a text, say).
  const focus = document.activeElement;
  if (!focus || focus === document.body || $("phone").contains(focus)) $("call").focus();
}

function hangUp() {
  if (!call.active) return;
  line($("transcript"), "You hang up.", { className: "caller" });
  hideForward();
  end("Not in a call. You hung up.");
}

function setKeys(on) {
  $("timeout").disabled = !on;
  $("keypad").classList.toggle("listening", on);
}

function flash(key) {
  const button = document.querySelector(`[data-key="${CSS.escape(key)}"]`);
  if (!button) return;
  button.classList.add("pressed");
  setTimeout(() => button.classList.remove("pressed"), 150);
}

// -- forwards and texts --------------------------------------------------------------------

function named(event) {
  // The name in the call's language, isolated so that Arabic does not reorder the brackets.
  const name = document.createElement("bdi");
  name.lang = event.lang;
  name.textContent = event.name;
  return name;
}

function showForward(event) {
  $("forward-contact").replaceChildren(named(event), ` (${event.contact})`
    + (event.anonymous ? ", anonymous line" : ""));
  $("forward-number").textContent = `${event.display} (${event.number})`;
  $("forward-caller-id").textContent = CALLER_ID_LABELS[event.caller_id];
  const outcomes = $("outcomes");
  outcomes.replaceChildren();
  for (const dialStatus of setup.dial_statuses) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = OUTCOME_LABELS[dialStatus] || dialStatus;
    button.dataset.status = dialStatus;
    button.addEventListener("click", () => dialed(dialStatus));
    outcomes.append(button);
  }
  $("forward").hidden = false;
}

function hideForward() {
  $("forward").hidden = true;
}

function dialed(dialStatus) {
  if (!call.active || !call.step || !call.step.dial) return;
  hideForward();
  note(`The forwarded call ends: ${OUTCOME_LABELS[dialStatus] || dialStatus}.`);
  run({ path: call.step.dial, dial_status: dialStatus });
}

function cost(data) {
  const parts = data.segments === 1 ? "1 segment" : `${data.segments} segments`;
  return `${data.encoding}, ${parts}, ${data.characters} characters`;
}

function showOutboxText(text) {
  note(`The line would text the numbers to ${text.to} (not sent: this is the simulator).`);
  line($("conversation"), text.body, {
    className: "line outbox", meta: `by text from the call, not sent · ${cost(text)}`,
  });
}

async function sendText(event) {
  event.preventDefault();
  const body = $("sms-body").value;
  if (!body.trim()) return;
  line($("conversation"), body, { className: "me", meta: "you" });
  $("sms-body").value = "";
  $("sms-send").disabled = true;
  try {
    const data = await api("sms", { body, country: country(), cookie: smsCookie });
    smsCookie = data.cookie;
    if (data.reply === null) {
      line($("conversation"), "(no reply: Twilio itself handles this word)", { className: "line" });
    } else {
      line($("conversation"), data.reply, { className: "line reply", meta: cost(data) });
    }
  } catch (error) {
    line($("conversation"), `The simulator could not reach the line: ${error.message}`,
      { className: "line" });
  } finally {
    $("sms-send").disabled = false;
    $("sms-body").focus();
  }
}

// -- start ---------------------------------------------------------------------------------

function fillCountries() {
  const select = $("country");
  for (const c of setup.countries) {
    select.append(new Option(c.name, c.code, c.code === "NL", c.code === "NL"));
  }
  select.append(new Option("Withheld number", setup.withheld));
  const show = () => {
    const c = setup.countries.find((x) => x.code === select.value);
    $("caller-number").textContent = c ? `Calls and texts come from ${c.number}, an example `
      + "number." : "The caller's number is withheld.";
  };
  select.addEventListener("change", show);
  show();
}

function onKeyboard(event) {
  const target = event.target;
  // Digits typed into a text field or a list are theirs; on any other control they press.
  if (target.closest && target.closest("textarea, select, input:not([type=checkbox])")) return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (KEYS.includes(event.key) && event.key.length === 1) {
    event.preventDefault();
    press(event.key);
  }
}

async function init() {
  try {
    setup = await api("setup");
  } catch (error) {
    status(`The simulator could not start: ${error.message}`);
    return;
  }
  fillCountries();
  if (window.speechSynthesis) loadVoices();
  else $("sound").checked = false;
  $("call").addEventListener("click", start);
  $("hangup").addEventListener("click", hangUp);
  $("timeout").addEventListener("click", timeout);
  for (const button of document.querySelectorAll("[data-key]")) {
    button.addEventListener("click", () => press(button.dataset.key));
  }
  document.addEventListener("keydown", onKeyboard);
  $("sms-form").addEventListener("submit", sendText);
  $("sms-reset").addEventListener("click", () => {
    smsCookie = null;
    $("conversation").replaceChildren();
  });
  document.body.dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", init);
