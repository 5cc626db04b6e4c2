// app.js is the whole single-page app: it signs in with Okta's
// okta-auth-js (the authorization code flow with PKCE, as a public
// client), shows the user's name, calls the resource server with the
// access token and lists the messages, and signs out.
//
// It is a static file, so the page's Content-Security-Policy needs no
// 'unsafe-inline'; its settings come from the JSON block #spa-config.
// Every value from the network is written with textContent, never as
// markup.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('spa-config').textContent);
  function $(id) { return document.getElementById(id); }

  function showError(message) {
    $('error').textContent = message;
    $('error').hidden = false;
    $('status').hidden = true;
  }

  if (typeof OktaAuth === 'undefined') {
    showError('okta-auth-js did not load from ' + config.authJs + '. Run `npm ci` and restart the app.');
    return;
  }

  var authClient = new OktaAuth({
    issuer: config.issuer,
    clientId: config.clientId,
    redirectUri: window.location.origin + config.callbackPath,
    postLogoutRedirectUri: window.location.origin + '/',
    scopes: ['openid', 'profile', 'email'],
    pkce: true,
    // Tokens live in this tab's session storage only, and are not renewed
    // behind the user's back (no hidden iframes, which the CSP forbids).
    tokenManager: { storage: 'sessionStorage', autoRenew: false, autoRemove: true },
    services: { autoRenew: false, autoRemove: false, syncStorage: false }
  });

  function show(signedIn) {
    $('status').hidden = true;
    $('signed-out').hidden = signedIn;
    $('signed-in').hidden = !signedIn;
  }

  // loadMessages calls the resource server with the access token, in the
  // Authorization header, and lists what it answers.
  async function loadMessages() {
    var list = $('messages');
    list.replaceChildren();
    $('error').hidden = true;
    var accessToken = authClient.getAccessToken();
    if (!accessToken) {
      showError('No access token: sign in again.');
      return;
    }
    var response = await fetch(config.messagesUrl, {
      headers: { Authorization: 'Bearer ' + accessToken },
      credentials: 'omit',
      cache: 'no-store'
    });
    if (!response.ok) {
      showError('The API answered ' + response.status + ': ' + (response.headers.get('WWW-Authenticate') || response.statusText));
      return;
    }
    var data = await response.json();
    data.messages.forEach(function (message) {
      var item = document.createElement('li');
      var date = document.createElement('time');
      date.dateTime = message.date;
      date.textContent = new Date(message.date).toLocaleString();
      var text = document.createElement('span');
      text.className = 'message-text';
      text.textContent = message.text;
      item.append(date, text);
      list.append(item);
    });
    list.dataset.loaded = String(data.messages.length);
  }

  async function main() {
    if (authClient.isLoginRedirect()) {
      // Back from the provider with a code: exchange it (with the PKCE
      // verifier okta-auth-js kept), check the ID token, store the
      // tokens, and go back to where the sign-in started.
      await authClient.handleLoginRedirect();
      return;
    }
    if (!(await authClient.isAuthenticated())) {
      show(false);
      return;
    }
    var user = await authClient.getUser();
    var name = user.name || user.preferred_username || user.email || user.sub;
    $('user-name').textContent = name;
    $('who').textContent = 'Signed in as ' + name;
    show(true);
    await loadMessages();
  }

  $('sign-in').addEventListener('click', function () {
    authClient.signInWithRedirect({ originalUri: '/' }).catch(function (err) {
      showError('Sign-in failed: ' + err.message);
    });
  });
  $('load-messages').addEventListener('click', function () {
    loadMessages().catch(function (err) {
      showError('Calling the API failed: ' + err.message);
    });
  });
  $('sign-out').addEventListener('click', function () {
    // Revokes the access token at the provider, clears the tokens (before
    // leaving, rather than marking them for removal on the way back), and
    // ends the provider's session (RP-Initiated Logout), back to '/'.
    authClient.signOut({ clearTokensBeforeRedirect: true }).catch(function (err) {
      showError('Sign-out failed: ' + err.message);
    });
  });

  main().catch(function (err) {
    showError('Sign-in failed: ' + (err.errorSummary || err.message));
  });
}());
