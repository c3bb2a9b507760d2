'use strict';
// The review console page. No build step: plain DOM and fetch(). Sign-in is the authenticating
// proxy's (or a sign-in link's): the browser holds an HttpOnly session cookie the script never sees.
// What a reviewer may do comes from the server (each report's "actions"); the server enforces it.

const REFRESH_MS = 2000;
const CSRF_HEADER = 'X-Doppel-Console';
const $ = (selector, root = document) => root.querySelector(selector);

const state = { selectedId: null, report: null, matchIndex: 0, imageUrls: [] };

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (options.method && options.method !== 'GET') {
    headers[CSRF_HEADER] = '1';
  }
  const response = await fetch(path, Object.assign({ credentials: 'same-origin' }, options, { headers }));
  if (response.status === 401) {
    showLogin('Not signed in, or the session has expired. Open the console through your organisation\'s sign-in.');
    throw new Error('unauthorised');
  }
  return response;
}

function showLogin(message) {
  $('#login').hidden = false;
  $('#console').hidden = true;
  $('#login-error').textContent = message || '';
}

async function start() {
  let who;
  try {
    who = await api('/api/whoami');
  } catch (e) {
    return;
  }
  if (!who.ok) {
    showLogin('The console could not say who you are (' + who.status + ').');
    return;
  }
  const me = await who.json();
  const roles = Object.entries(me.roles).map(([tenant, role]) => (tenant === '*' ? 'every tenant' : tenant) + ': ' + role);
  $('#whoami').textContent = me.reviewer + (roles.length ? ' · ' + roles.join(', ') : ' · no tenant roles');
  $('#whoami').dataset.reviewer = me.reviewer;
  $('#login').hidden = true;
  $('#console').hidden = false;
  $('#filters').addEventListener('input', refreshQueue);
  $('#filters').addEventListener('submit', event => event.preventDefault());
  await refreshQueue();
  setInterval(refreshQueue, REFRESH_MS);
}

function filterQuery() {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData($('#filters'))) {
    if (value !== '') {
      params.set(key, value);
    }
  }
  return params.toString();
}

async function refreshQueue() {
  const response = await api('/api/reports?' + filterQuery());
  if (!response.ok) {
    return;
  }
  const body = await response.json();
  $('#queue-count').textContent = body.reports.length + ' shown of ' + body.queued + ' queued';
  const list = $('#queue');
  list.replaceChildren(...body.reports.map(queueItem));
}

function queueItem(report) {
  const item = document.createElement('li');
  item.dataset.reportId = report.id;
  item.dataset.imageId = report.imageId;
  if (report.id === state.selectedId) {
    item.classList.add('selected');
  }
  const badge = span('badge ' + report.decision, report.decision === 'DUPLICATE' ? 'duplicate' : 'violation');
  const reviewed = report.reviewed ? span('badge reviewed', report.lastAction.toLowerCase()) : null;
  const id = div('id', report.tenant + ' / ' + report.imageId);
  const sub = div('sub', 'score ' + report.topScore.toFixed(3) + (report.rightsHolders.length ? ' · ' + report.rightsHolders.join(', ') : '')
      + ' · ' + new Date(report.decidedAt).toLocaleString());
  item.append(badge, ' ', ...(reviewed ? [reviewed] : []), id, sub);
  item.addEventListener('click', () => openReport(report.id));
  return item;
}

async function openReport(id) {
  state.selectedId = id;
  document.querySelectorAll('#queue li').forEach(li => li.classList.toggle('selected', li.dataset.reportId === id));
  const response = await api('/api/reports/' + encodeURIComponent(id));
  if (!response.ok) {
    $('#report').replaceChildren(div('error', 'This report is no longer in the queue.'));
    return;
  }
  state.report = await response.json();
  const reported = state.report.matches.findIndex(m => m.kind !== 'BELOW_THRESHOLD');
  state.matchIndex = reported < 0 ? 0 : reported;
  renderReport();
}

function renderReport() {
  const r = state.report;
  const view = $('#report-template').content.cloneNode(true);
  $('.title', view).textContent = (r.decision === 'DUPLICATE' ? 'Duplicate: ' : 'Copyright violation: ') + r.tenant + ' / ' + r.imageId;
  $('.meta', view).textContent = 'uploader ' + (r.uploader || 'unknown') + ' · uploaded ' + new Date(r.uploadedAt).toLocaleString()
      + ' · decided ' + new Date(r.decidedAt).toLocaleString() + (r.trigger === 'RETRO_SCAN' ? ' · found by a retro-scan' : '');
  $('.query-caption', view).textContent = 'Reported: ' + r.tenant + ' / ' + r.imageId;
  const rows = $('tbody', view);
  r.matches.forEach(m => rows.append(matchRow(m)));
  $('.versions', view).textContent = 'policy ' + r.policyVersion + ' · model ' + r.modelId + ' ' + r.modelVersion
      + ' · calibration ' + r.calibrationVersion;
  const history = $('.history', view);
  if (r.decisions.length === 0) {
    history.append(li('none yet'));
  }
  r.decisions.forEach(d => history.append(li(describeDecision(d) + (d.note ? ' — ' + d.note : ''))));
  view.querySelectorAll('.decide button').forEach(button => button.addEventListener('click', () => decide(button.dataset.action)));
  $('#report').replaceChildren(view);
  showMatch(state.matchIndex);
  showPermissions();
  loadImage($('.query-image'), '/api/reports/' + encodeURIComponent(r.id) + '/images/query');
}

function matchRow(m) {
  const row = document.createElement('tr');
  row.className = m.kind;
  row.dataset.index = m.index;
  const hints = [];
  if (m.hints.mirrored) hints.push('mirrored');
  if (m.hints.croppedShare > 0.05) hints.push('cropped ' + Math.round(m.hints.croppedShare * 100) + '%');
  if (Math.abs(m.hints.rotationDegrees) > 2) hints.push('rotated ' + Math.round(m.hints.rotationDegrees) + '°');
  if (Math.abs(m.hints.scale - 1) > 0.1) hints.push('scale ×' + m.hints.scale.toFixed(2));
  if (m.hints.inTile) hints.push('inside a sub-picture');
  const choose = document.createElement('input');
  choose.type = 'radio';
  choose.name = 'match';
  choose.addEventListener('change', () => showMatch(m.index));
  row.append(cell(choose), cell(m.tenant + ' / ' + m.imageId), cell(m.kind.toLowerCase()), cell(m.rightsHolder || ''),
      cell(m.score.toFixed(3)), cell(m.globalSimilarity.toFixed(3)), cell(String(m.localVotes)), cell(m.inliers + ' / ' + m.tentativeMatches),
      cell(Math.round(m.inlierAreaShare * 100) + '%'), cell(...hints.map(h => span('hint', h))));
  return row;
}

function showMatch(index) {
  state.matchIndex = index;
  const r = state.report;
  const m = r.matches[index];
  if (!m) {
    return;
  }
  document.querySelectorAll('table.matches tr[data-index]').forEach(tr => {
    const selected = Number(tr.dataset.index) === index;
    tr.classList.toggle('selected', selected);
    $('input', tr).checked = selected;
  });
  $('.match-caption').textContent = 'Matched: ' + m.tenant + ' / ' + m.imageId + (m.rightsHolder ? ' (' + m.rightsHolder + ')' : '');
  drawRegion($('polygon[data-side="query"]'), m.queryRegion);
  drawRegion($('polygon[data-side="reference"]'), m.referenceRegion);
  loadImage($('.match-image'), '/api/reports/' + encodeURIComponent(r.id) + '/images/match/' + index);
  const reportable = m.kind !== 'BELOW_THRESHOLD';
  document.querySelectorAll('.decide button').forEach(b => { b.disabled = !reportable; });
}

// Only the actions the server allows this reviewer in this tenant are offered; of the two uploader
// actions, the one that applies (allow when not allow-listed, revoke when it is).
function showPermissions() {
  const r = state.report;
  const allowed = new Set(r.actions);
  document.querySelectorAll('.decide button').forEach(b => {
    const action = b.dataset.action;
    let shown = allowed.has(action);
    if (action === 'ALLOW_UPLOADER') shown = shown && !r.uploaderAllowed && !!r.uploader;
    if (action === 'REVOKE_UPLOADER') shown = shown && r.uploaderAllowed;
    b.hidden = !shown;
  });
  $('.uploader-status').textContent = r.uploader
      ? 'Uploader ' + r.uploader + (r.uploaderAllowed ? ' is allow-listed in ' + r.tenant : ' is not allow-listed') + '.'
      : '';
  $('.your-role').textContent = 'Your role in ' + r.tenant + ': ' + (r.role || 'none') + '.';
}

function describeDecision(d) {
  return d.action.toLowerCase().replace('_', ' ') + ' of ' + d.matchTenant + ' / ' + d.matchImageId + ' by ' + d.reviewer
      + (d.reviewerRole ? ' (' + d.reviewerRole + ')' : '') + ' at ' + new Date(d.decidedAt).toLocaleString();
}

// Regions are normalised to [0,1] of each image; the SVG's viewBox is the unit square stretched over the image.
function drawRegion(polygon, points) {
  polygon.setAttribute('points', points.map(p => p.x.toFixed(4) + ',' + p.y.toFixed(4)).join(' '));
}

async function loadImage(img, path) {
  img.removeAttribute('src');
  img.dataset.state = 'loading';
  const response = await api(path);
  if (!response.ok) {
    img.dataset.state = 'unavailable';
    const body = await response.json().catch(() => ({ error: 'unavailable' }));
    img.alt = 'image unavailable: ' + body.error;
    img.title = body.error;
    return;
  }
  if (response.headers.get('X-Doppel-Image-Verified') === 'false') {
    img.title = 'not verified against the analysed bytes (the event carries no digest)';
  }
  const url = URL.createObjectURL(await response.blob());
  state.imageUrls.push(url);
  img.addEventListener('load', () => { img.dataset.state = 'loaded'; }, { once: true });
  img.src = url;
}

async function decide(action) {
  const status = $('#decision-status');
  status.className = '';
  status.textContent = 'recording…';
  const r = state.report;
  const response = await api('/api/reports/' + encodeURIComponent(r.id) + '/decisions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ match: state.matchIndex, action, note: $('.decide .note').value })
  });
  const body = await response.json();
  if (!response.ok) {
    status.className = 'error';
    status.textContent = body.error;
    return;
  }
  status.textContent = 'recorded: ' + body.action.toLowerCase() + ' by ' + body.reviewer;
  status.dataset.decisionId = body.decisionId;
  refreshQueue();
  if (action === 'ALLOW_UPLOADER' || action === 'REVOKE_UPLOADER') {
    r.uploaderAllowed = action === 'ALLOW_UPLOADER';
    showPermissions();
  }
  $('.history').append(li(describeDecision(body)));
}

function span(className, text) {
  const node = document.createElement('span');
  node.className = className;
  node.textContent = text;
  return node;
}

function div(className, text) {
  const node = document.createElement('div');
  node.className = className;
  node.textContent = text;
  return node;
}

function li(text) {
  const node = document.createElement('li');
  node.textContent = text;
  return node;
}

function cell(...children) {
  const node = document.createElement('td');
  node.append(...children);
  return node;
}

start();
