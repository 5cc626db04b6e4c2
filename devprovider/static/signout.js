// Front-channel logout (OpenID Connect Front-Channel Logout 1.0 §4): load
// each application's logout URI in its hidden iframe, then continue to the
// application once every iframe has loaded, or after a timeout, whichever
// comes first. Served from 'self': the page allows no inline script.
'use strict';

(() => {
  const list = document.getElementById('frontchannel-logout');
  if (!list) {
    return;
  }
  const target = list.dataset.continue;
  const waitMs = Number.parseInt(list.dataset.waitMs, 10) || 5000;
  const frames = list.querySelectorAll('iframe[data-src]');
  let pending = frames.length;
  let finished = false;

  const finish = () => {
    if (finished) {
      return;
    }
    finished = true;
    list.dataset.done = 'true';
    if (target) {
      window.location.replace(target);
    }
  };

  for (const frame of frames) {
    // The listener is in place before the iframe starts loading, so no
    // load event can be missed.
    frame.addEventListener('load', () => {
      frame.dataset.loaded = 'true';
      pending -= 1;
      if (pending === 0) {
        finish();
      }
    }, { once: true });
    frame.src = frame.dataset.src;
  }
  if (pending === 0) {
    finish();
  }
  window.setTimeout(finish, waitMs);
})();
