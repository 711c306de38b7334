// The roadmap as a page inside Telegram: the catalog, then one roadmap with every step at once.
// Plain DOM: every piece of content and user text goes in as textContent, never as HTML.
'use strict';

(function () {
  const tg = window.Telegram && window.Telegram.WebApp ? window.Telegram.WebApp : null;
  const initData = tg && typeof tg.initData === 'string' ? tg.initData : '';

  // The page's buttons for a step's states; their words come with the rest (`W.state_*`).
  const STATES = [
    { state: 'done', icon: '✅' },
    { state: 'working', icon: '🟡' },
    { state: 'skipped', icon: '⏭' },
    { state: 'todo', icon: '⬜' },
  ];
  // Every word the page says of its own, in the person's language: from the bot's catalogs
  // (GET api/words), the same catalogs the chat speaks from. Nothing here is a second list.
  let W = {};

  /** A word of the page with its `{name}` parts filled in. */
  function word(key, values) {
    let text = W[key] || '';
    for (const [name, value] of Object.entries(values || {})) text = text.split('{' + name + '}').join(String(value));
    return text;
  }

  // Letters of the scripts written right to left (Hebrew, Arabic, Persian and their presentation forms).
  const RIGHT_TO_LEFT = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;

  /** A roadmap text's direction: right to left if it has a letter of such a script, else left to
   * right. Content left in English inside a Persian page reads left to right; a Persian text
   * that starts with "Go, TypeScript…" still reads right to left (which `dir=auto`, going by the
   * first letter, would get wrong). */
  function textDir(text) {
    return RIGHT_TO_LEFT.test(text || '') ? 'rtl' : 'ltr';
  }

  /** The person's words, language and direction; the page's `<html lang dir>` and its HTML's words set by them. */
  async function loadWords() {
    const fallback = (tg && tg.initDataUnsafe && tg.initDataUnsafe.user && tg.initDataUnsafe.user.language_code) || navigator.language || 'en';
    // Signed, the chat's own language; when the signature is refused (too old, say), the app's.
    const data = (initData && (await api('words').catch(() => null))) || (await fetchWords(fallback));
    W = data.words;
    document.documentElement.lang = data.language;
    document.documentElement.dir = data.dir;
    for (const node of document.querySelectorAll('[data-word]')) node.textContent = W[node.dataset.word];
    for (const node of document.querySelectorAll('[data-word-label]')) node.setAttribute('aria-label', W[node.dataset.wordLabel]);
    document.title = W.catalog_title;
  }

  /** The words for a page opened outside Telegram (no initData): in the browser's language. */
  async function fetchWords(lang) {
    const response = await fetch('api/words?lang=' + encodeURIComponent(lang), { cache: 'no-store', credentials: 'omit' });
    return response.json();
  }

  const $ = (id) => document.getElementById(id);
  let current = null; // the roadmap on screen, as the API last returned it
  let pending = false; // one mark at a time

  // --- Telegram ------------------------------------------------------------------------------

  /** Copy Telegram's theme into the --tg-theme-* variables the stylesheet reads. */
  function applyTheme() {
    const root = document.documentElement;
    const params = (tg && tg.themeParams) || {};
    for (const [key, value] of Object.entries(params)) {
      if (typeof value === 'string' && /^#[0-9a-fA-F]{3,8}$/.test(value)) {
        root.style.setProperty('--tg-theme-' + key.replace(/_/g, '-'), value);
      }
    }
    const dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
    root.dataset.colorScheme = tg && tg.colorScheme ? tg.colorScheme : dark ? 'dark' : 'light';
  }

  function call(name, ...args) {
    if (tg && typeof tg[name] === 'function') {
      try {
        return tg[name](...args);
      } catch (error) {
        // An older Telegram app may lack a method; the page works without it.
      }
    }
    return undefined;
  }

  function backButton(visible) {
    const button = tg && tg.BackButton;
    if (!button) return;
    if (visible) button.show();
    else button.hide();
  }

  function haptic(kind) {
    const feedback = tg && tg.HapticFeedback;
    if (feedback && typeof feedback.notificationOccurred === 'function') feedback.notificationOccurred(kind);
  }

  // --- the API -------------------------------------------------------------------------------

  /** A call the API refused: its status and words, and why (`reason` of a 401, `retryAfter` seconds of a 429). */
  class Problem extends Error {
    constructor(status, message, details) {
      super(message);
      this.status = status;
      this.reason = details && typeof details.reason === 'string' ? details.reason : null;
      this.retryAfter = details && Number.isInteger(details.retry_after) ? details.retry_after : null;
    }
  }

  async function api(path, options) {
    const headers = { Accept: 'application/json', Authorization: 'tma ' + initData };
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone; // the first reminder starts in it
    if (zone) headers['X-Time-Zone'] = zone;
    const init = { method: (options && options.method) || 'GET', headers, cache: 'no-store', credentials: 'omit' };
    if (options && options.body !== undefined) {
      init.body = JSON.stringify(options.body);
      headers['Content-Type'] = 'application/json';
    }
    let response;
    try {
      response = await fetch('api/' + path, init);
    } catch (error) {
      throw new Problem(0, word('unreachable'));
    }
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (!response.ok) {
      throw new Problem(response.status, (data && data.error) || word('went_wrong', { status: response.status }), data);
    }
    return data;
  }

  function roadmapPath(roadmapId) {
    return 'roadmaps/' + encodeURIComponent(roadmapId);
  }

  /** The API path of one step, below which its changes go. */
  function stepPath(roadmapId, stepId) {
    return roadmapPath(roadmapId) + '/steps/' + encodeURIComponent(stepId);
  }

  // --- small DOM helpers ---------------------------------------------------------------------

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'class') node.className = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  function safeUrl(url) {
    try {
      const parsed = new URL(url);
      return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
    } catch (error) {
      return null;
    }
  }

  function announce(text) {
    const announcer = $('announcer');
    announcer.textContent = '';
    // A fresh text node after a tick, so that a repeated message is announced again.
    window.setTimeout(() => {
      announcer.textContent = text;
    }, 50);
  }

  /** What to tell the person about a refused call, and whether reopening the page from the chat helps. */
  function problemWords(error) {
    const text = error && error.message ? error.message : String(error);
    if (error && error.status === 401 && error.reason === 'expired') return { text: word('expired'), reopen: true };
    if (error && error.status === 401) return { text: word('unconfirmed'), reopen: true };
    if (error && error.status === 429) return { text: error.message, reopen: true }; // the API says it, seconds and all
    return { text, reopen: false };
  }

  function showProblem(error) {
    const box = $('problem');
    const words = problemWords(error);
    const parts = [el('p', { class: 'problem-text' }, words.text)];
    // Closing the page puts the person back in the chat, where its menu button opens it afresh.
    if (words.reopen && tg && typeof tg.close === 'function') {
      const back = el('button', { type: 'button', class: 'reopen-button' }, word('back_to_chat'));
      back.addEventListener('click', () => call('close'));
      parts.push(back);
    }
    box.replaceChildren(...parts);
    box.hidden = false;
  }

  function clearProblem() {
    $('problem').hidden = true;
    $('problem').replaceChildren();
  }

  function signalsList(signals, className) {
    return el(
      'ul',
      { class: className },
      ...signals.map((signal) =>
        el(
          'li',
          { class: 'signal level-' + signal.value },
          el('span', { class: 'signal-name' }, signal.name),
          ' ',
          el('strong', { class: 'signal-level' }, signal.level),
        ),
      ),
    );
  }

  function fillSignals(list, signals) {
    list.replaceChildren(...signalsList(signals, list.className).childNodes);
  }

  /** The card's state line, in the chat's words: `State: ✅ Done on 27 Nov 2026`. */
  function stateLine(step) {
    return step.words.state_line;
  }

  // --- the catalog ---------------------------------------------------------------------------

  async function showCatalog(options) {
    const from = current ? current.id : null;
    current = null;
    backButton(false);
    if (!options || !options.fromHistory) history.replaceState(null, '', location.pathname);
    const data = await api('roadmaps');
    const list = $('catalog-list');
    list.replaceChildren(...data.roadmaps.map(catalogEntry));
    $('roadmap-view').hidden = true;
    $('catalog-view').hidden = false;
    document.title = word('catalog_title');
    const back = from && list.querySelector('a[data-roadmap="' + CSS.escape(from) + '"]');
    (back || $('catalog-title')).focus();
  }

  function catalogEntry(roadmap) {
    const progress = roadmap.progress;
    const meta = progress.started ? progress.line : roadmap.size;
    const bar = progress.started
      ? el('progress', { max: progress.total, value: progress.done, 'aria-hidden': 'true' })
      : null;
    const link = el(
      'a',
      { class: 'roadmap-link', href: '?roadmap=' + encodeURIComponent(roadmap.id), 'data-roadmap': roadmap.id },
      el('span', { class: 'roadmap-link-title', dir: textDir(roadmap.title) }, roadmap.title),
      el('span', { class: 'roadmap-link-summary', dir: textDir(roadmap.summary) }, roadmap.summary),
      bar,
      el('span', { class: 'roadmap-link-meta' }, meta),
    );
    link.addEventListener('click', (event) => {
      event.preventDefault();
      openRoadmap(roadmap.id, { push: true }).catch(showProblem);
    });
    return el('li', {}, link);
  }

  // --- one roadmap ---------------------------------------------------------------------------

  async function openRoadmap(roadmapId, options) {
    clearProblem();
    const data = await api(roadmapPath(roadmapId));
    current = data;
    if (options && options.push) history.pushState({ roadmap: data.id }, '', '?roadmap=' + encodeURIComponent(data.id));
    $('roadmap-title').textContent = data.title;
    $('roadmap-title').dir = textDir(data.title);
    $('roadmap-summary').textContent = data.summary;
    $('roadmap-summary').dir = textDir(data.summary);
    fillSignals($('roadmap-signals'), data.signals);
    $('signals-legend').textContent = data.legend;
    $('steps').replaceChildren(...data.steps.map(stepCard));
    data.steps.forEach(updateStep);
    showProgress(data);
    $('catalog-view').hidden = true;
    $('roadmap-view').hidden = false;
    document.title = data.title;
    backButton(true);
    window.scrollTo(0, 0);
    $('roadmap-title').focus();
  }

  function showProgress(data) {
    const progress = data.progress;
    const bar = $('roadmap-progress');
    bar.max = progress.total;
    bar.value = progress.done;
    bar.setAttribute('aria-valuetext', progress.line);
    $('progress-line').textContent = progress.line;
    const left = $('effort-left');
    left.hidden = !data.words.effort_left;
    left.textContent = data.words.effort_left || '';
    $('countable').hidden = !data.words.countable;
    $('countable').textContent = data.words.countable || '';
    const next = $('next-step-link');
    next.hidden = !data.next_step;
    next.textContent = data.words.next_step || '';
    next.setAttribute('href', data.next_step ? '#step-' + data.next_step : '#steps');
  }

  /** The jump to the next step: its card scrolls under the bar and takes the focus. */
  function jumpToNextStep(event) {
    const card = current && current.next_step && $('step-' + current.next_step);
    if (!card) return;
    event.preventDefault();
    card.querySelector('.step-body').open = true;
    card.scrollIntoView({ block: 'start' });
    card.focus({ preventScroll: true });
  }

  function stepCard(step) {
    const titleId = 'step-title-' + step.number;
    const resources = step.resources.length
      ? el(
          'div',
          { class: 'resources' },
          el('h4', {}, word('resources')),
          el('ul', {}, ...step.resources.map(resourceItem)),
        )
      : null;
    const buttons = el(
      'div',
      { class: 'state-buttons', role: 'group', 'aria-label': word('mark_step', { number: step.number, title: step.title }) },
      ...STATES.map((choice) => stateButton(step, choice)),
    );
    // A done step is folded to its heading (a tap on it opens it); its state and buttons stay in view.
    const body = el(
      'details',
      { class: 'step-body' },
      el(
        'summary',
        { class: 'step-head' },
        el('span', { class: 'step-number', 'aria-hidden': 'true' }, String(step.number)),
        el(
          'h3',
          { class: 'step-title', id: titleId },
          el('span', { class: 'visually-hidden' }, word('step_number', { number: step.number })),
          el('span', { class: 'step-title-text', dir: textDir(step.title) }, step.title),
        ),
      ),
        step.section ? el('p', { class: 'step-section', dir: textDir(step.section) }, step.section) : null,
        el('p', { class: 'step-summary', dir: textDir(step.summary) }, step.summary),
        step.why ? el('p', { class: 'step-why', dir: textDir(step.why) }, word('why') + ' ' + step.why) : null,
        signalsList(step.signals, 'signals'),
        step.words.effort ? el('p', { class: 'step-effort' }, step.words.effort) : null,
        step.done_when.length
          ? el(
              'div',
              { class: 'done-when' },
              el('h4', {}, word('done_when')),
              el(
                'ul',
                {},
                ...step.done_when.map((outcome, index) =>
                  el('li', { dir: textDir(outcome), class: step.checks_ticked[index] ? 'ticked' : 'open' }, outcome),
                ),
              ),
            )
          : null,
        step.practice
          ? el('details', { class: 'practice' }, el('summary', {}, word('practice')), el('p', { dir: textDir(step.practice) }, step.practice))
          : null,
        resources,
    );
    body.open = step.state !== 'done';
    return el(
      'li',
      { class: 'step', id: 'step-' + step.id, 'data-step': step.id, 'data-state': step.state, tabindex: '-1' },
      el(
        'article',
        { 'aria-labelledby': titleId },
        body,
        el('div', { class: 'note-slot' }),
        el('div', { class: 'elsewhere-slot' }),
        el('p', { class: 'step-state' }, stateLine(step)),
        buttons,
      ),
    );
  }

  function resourceItem(resource) {
    const url = safeUrl(resource.url);
    if (!url) return el('li', {}, resource.title);
    const link = el('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, resource.title);
    link.addEventListener('click', (event) => {
      // Inside Telegram, links open in the in-app browser, not in the Mini App's frame.
      if (tg && typeof tg.openLink === 'function') {
        event.preventDefault();
        call('openLink', url);
      }
    });
    return el('li', {}, link);
  }

  function stateButton(step, choice) {
    const button = el(
      'button',
      { type: 'button', class: 'state-button', 'data-state': choice.state, 'aria-pressed': 'false' },
      el('span', { 'aria-hidden': 'true' }, choice.icon),
      ' ' + word('state_' + choice.state),
    );
    button.addEventListener('click', () => mark(step.id, choice, button));
    return button;
  }

  /** Show a step's state, note and pressed button as the API says (the card itself stays, and so does focus). */
  function updateStep(step) {
    const card = $('step-' + step.id);
    if (!card) return;
    if (step.state === 'done' && card.dataset.state !== 'done') card.querySelector('.step-body').open = false;
    card.dataset.state = step.state;
    card.querySelector('.step-state').textContent = stateLine(step);
    for (const button of card.querySelectorAll('.state-button')) {
      button.setAttribute('aria-pressed', String(button.dataset.state === step.state));
    }
    const slot = card.querySelector('.note-slot');
    slot.replaceChildren();
    if (step.note) {
      const label = el('p', { class: 'note-label' }, word('your_note'));
      slot.append(el('blockquote', { class: 'note' }, label, el('p', { class: 'note-text', dir: 'auto' }, step.note)));
    }
    const elsewhere = card.querySelector('.elsewhere-slot');
    elsewhere.replaceChildren();
    if (step.elsewhere) elsewhere.append(...elsewhereParts(step));
  }

  /** A topic done in another roadmap, as the chat's card says it, and its button to count it here. */
  function elsewhereParts(step) {
    const other = step.elsewhere;
    const line = el('p', { class: 'elsewhere', dir: textDir(other.line) }, other.line);
    const button = el(
      'button',
      { type: 'button', class: 'count-button' },
      el('span', { 'aria-hidden': 'true' }, '✅'),
      ' ' + word('count_here'),
    );
    // What was done, with the day the answer gives (the one counted, whatever the page showed).
    const words = (_, data) => data.counted;
    button.addEventListener('click', () => change(step.id, button, '/count-here', { method: 'POST' }, words));
    return [line, button];
  }

  /** Set a step's state from one of its four buttons (pressing the one already pressed does nothing). */
  function mark(stepId, choice, button) {
    const step = current && current.steps.find((candidate) => candidate.id === stepId);
    if (!step || step.state === choice.state) return;
    change(stepId, button, '/state', { method: 'PUT', body: { state: choice.state } }, () => word('state_' + choice.state));
  }

  /** Send one change of a step; show the roadmap the API answers with, or the problem. A 409 means
   * the page was behind (the step changed in the chat): it shows the roadmap as it is now. Answers
   * that come after the person left this roadmap change nothing on screen. `words(step)`: what
   * was done, for the screen reader, from the step as the answer has it. */
  async function change(stepId, button, path, request, words) {
    if (pending || !current) return;
    const roadmapId = current.id;
    const step = current.steps.find((candidate) => candidate.id === stepId);
    if (!step) return;
    const stillHere = () => current !== null && current.id === roadmapId;
    pending = true;
    const card = $('step-' + stepId);
    card.setAttribute('aria-busy', 'true');
    try {
      const data = await api(stepPath(roadmapId, stepId) + path, request);
      if (!stillHere()) return;
      clearProblem();
      show(data);
      haptic('success');
      const changed = data.steps.find((candidate) => candidate.id === stepId) || step;
      announce(step.title + ': ' + words(changed, data) + '. ' + data.progress.line);
    } catch (error) {
      haptic('error');
      showProblem(error);
      if (error.status === 409 && stillHere()) {
        const now = await api(roadmapPath(roadmapId)).catch(() => null);
        if (now && stillHere()) show(now);
      }
    } finally {
      pending = false;
      card.removeAttribute('aria-busy');
      // The button pressed keeps the focus; a count button is gone once counted: its card's Done takes it.
      if (stillHere()) (button.isConnected ? button : card.querySelector('.state-button[data-state="done"]')).focus();
    }
  }

  /** Put a roadmap the API answered with on screen: every card's state, note and count, and the progress. */
  function show(data) {
    current = data;
    data.steps.forEach(updateStep);
    showProgress(data);
  }

  // --- start ---------------------------------------------------------------------------------

  function goBack() {
    if (history.state && history.state.roadmap) history.back();
    else showCatalog().catch(showProblem);
  }

  async function route(options) {
    const wanted = new URLSearchParams(location.search).get('roadmap');
    if (!wanted) return showCatalog(options);
    try {
      await openRoadmap(wanted, options);
    } catch (error) {
      if (error.status !== 404) throw error;
      // A link to a roadmap that is gone: the catalog, and why.
      await showCatalog();
      showProblem(new Problem(404, word('roadmap_gone')));
    }
  }

  async function start() {
    applyTheme();
    call('ready');
    call('expand');
    if (tg && typeof tg.onEvent === 'function') tg.onEvent('themeChanged', applyTheme);
    if (tg && tg.BackButton && typeof tg.BackButton.onClick === 'function') tg.BackButton.onClick(goBack);
    for (const link of document.querySelectorAll('.back-link')) {
      link.addEventListener('click', (event) => {
        event.preventDefault();
        goBack();
      });
    }
    window.addEventListener('popstate', () => route({ fromHistory: true }).catch(showProblem));
    $('next-step-link').addEventListener('click', jumpToNextStep);
    try {
      await loadWords();
      if (!initData) throw new Problem(0, word('open_in_telegram'));
      const startParam = tg.initDataUnsafe && tg.initDataUnsafe.start_param;
      if (!new URLSearchParams(location.search).get('roadmap') && startParam) {
        history.replaceState(null, '', '?roadmap=' + encodeURIComponent(startParam));
      }
      await route({});
    } catch (error) {
      showProblem(error);
    } finally {
      $('loading').hidden = true;
    }
  }

  start();
})();
