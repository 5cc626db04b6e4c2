// login-custom.js starts the Okta Sign-In Widget on the custom login page.
//
// It is a static file, so the page's Content-Security-Policy needs no
// 'unsafe-inline'. Its settings come from the JSON block #widget-config,
// which the server rendered for this one login: the state, nonce and PKCE
// code challenge of a transaction whose verifier stays on the server.
//
// The widget's script and stylesheet are loaded from here rather than by
// tags in the page, so that a failure (offline, blocked CDN, failed
// integrity check, missing local copy) can be caught and explained: an
// inline onerror attribute is not allowed under the page's CSP.
(function () {
  'use strict';

  var configElement = document.getElementById('widget-config');
  if (!configElement) {
    return; // the page explains why there is no widget
  }
  var config = JSON.parse(configElement.textContent);
  var loading = document.getElementById('widget-loading');
  var problem = document.getElementById('widget-load-error');
  var failed = document.getElementById('widget-load-failed');

  // showProblem replaces the loading note with the page's explanation of
  // what failed and how to fix it, naming the file that did not load.
  function showProblem(url) {
    if (url && failed) {
      failed.textContent = url;
    }
    if (loading) {
      loading.hidden = true;
    }
    if (problem) {
      problem.hidden = false;
    }
  }

  // load adds element to the head and settles when it has loaded. With an
  // integrity hash the file comes from another origin (Okta's CDN), so it
  // is fetched with CORS, which Subresource Integrity requires.
  function load(element, url, integrity) {
    return new Promise(function (resolve, reject) {
      if (integrity) {
        element.integrity = integrity;
        element.crossOrigin = 'anonymous';
      }
      element.addEventListener('load', resolve);
      element.addEventListener('error', function () {
        reject(url);
      });
      document.head.appendChild(element);
    });
  }

  function loadStyle(url, integrity) {
    var link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = url;
    return load(link, url, integrity);
  }

  function loadScript(url, integrity) {
    var script = document.createElement('script');
    script.src = url;
    script.async = true;
    return load(script, url, integrity);
  }

  // widgetOptions turns the server's settings into the widget's options
  // for the mode the server chose.
  function widgetOptions(config) {
    var options = {
      // The Okta org (oktaUrl), which the server checked is the issuer's.
      baseUrl: config.baseUrl,
      issuer: config.issuer,
      clientId: config.clientId,
      redirectUri: config.redirectUri,
      language: config.language,
      assets: { baseUrl: config.assets.baseUrl },
      // The server keeps the verifier; the widget only forwards these.
      codeChallenge: config.codeChallenge,
      codeChallengeMethod: config.codeChallengeMethod,
    };
    // Only in development mode: the development provider's help page,
    // which has no password reset to offer. With a real org the server
    // sends none, and the widget keeps the org's help page and reset.
    if (config.helpLinks) {
      options.helpLinks = {
        help: config.helpLinks.help,
        forgotPassword: config.helpLinks.forgotPassword,
      };
    }
    if (config.engine === 'oie') {
      // Identity Engine: the interaction code flow (/v1/interact and the
      // IDX API), the widget's default whenever clientId is set. The
      // server's state comes back on the redirect; its nonce goes into
      // the ID token.
      options.useClassicEngine = false;
      options.state = config.state;
      options.scopes = config.scopes;
      options.authParams = { nonce: config.nonce };
      // No "Keep me signed in": it would leave the username in a cookie.
      options.features = { rememberMe: false };
      return options;
    }
    // Okta's classic Authentication API (/api/v1/authn) and a session
    // token sent to /authorize.
    options.useClassicEngine = true;
    options.authParams = {
      responseType: 'code',
      pkce: true,
      state: config.state,
      nonce: config.nonce,
      scopes: config.scopes,
    };
    return options;
  }

  Promise.all([
    loadStyle(config.assets.style, config.assets.styleIntegrity),
    loadScript(config.assets.script, config.assets.scriptIntegrity),
  ]).then(function () {
    if (typeof window.OktaSignIn !== 'function') {
      showProblem(config.assets.script);
      return;
    }
    if (loading) {
      loading.hidden = true;
    }
    var widget = new window.OktaSignIn(widgetOptions(config));
    // On success the widget navigates to the callback (Identity Engine:
    // directly, with an interaction code; Classic: through /authorize,
    // with a code); problems with the credentials are shown inside it.
    return widget.showSignInAndRedirect({ el: '#sign-in-widget' });
  }, showProblem).catch(function (err) {
    // The widget shows sign-in problems itself; anything else is a bug
    // or a configuration error worth a developer's attention.
    console.error('Okta Sign-In Widget:', err);
  });
})();
