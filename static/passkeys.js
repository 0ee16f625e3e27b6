// Passkeys (WebAuthn) for the login page and /account/passkeys: the only part of passkeys that
// must run in the browser. It asks the server for a challenge, hands it to
// navigator.credentials, and posts the answer back as form fields (base64url); the server does
// every check. Without WebAuthn the forms stay hidden and the password form works as before.
"use strict";

const toBase64url = (buffer) =>
    btoa(String.fromCharCode(...new Uint8Array(buffer)))
        .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const fromBase64url = (text) =>
    Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

async function post(url, fields) {
    const response = await fetch(url, {
        method: "POST",
        body: new URLSearchParams(fields),
        credentials: "same-origin",
    });
    let answer = {};
    try {
        answer = await response.json();
    } catch (error) {
        // Not our JSON (an error page): the generic message below.
    }
    if (!response.ok || answer.error) throw new Error(answer.error || "");
    return answer;
}

function showError(form, error, fallback) {
    const message = form.querySelector(".passkey-error");
    // The browser's own errors (the user cancelled, a timeout) say nothing a user needs.
    message.textContent = error instanceof Error && error.message && error.name === "Error"
        ? error.message : fallback;
    message.hidden = false;
}

function setUpSignIn(form) {
    form.hidden = false;
    form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const csrf = form.elements.csrf_token.value;
        try {
            const options = await post("/login/passkey", {csrf_token: csrf, action: "options"});
            const credential = await navigator.credentials.get({publicKey: {
                challenge: fromBase64url(options.challenge),
                rpId: options.rpId,
                userVerification: "preferred",
                timeout: 120000,
            }});
            const reply = credential.response;
            const rememberMe = document.getElementById("remember_me");
            const result = await post("/login/passkey" + window.location.search, {
                csrf_token: csrf,
                action: "verify",
                credential_id: toBase64url(credential.rawId),
                client_data: toBase64url(reply.clientDataJSON),
                authenticator_data: toBase64url(reply.authenticatorData),
                signature: toBase64url(reply.signature),
                user_handle: reply.userHandle ? toBase64url(reply.userHandle) : "",
                remember_me: rememberMe && rememberMe.checked ? "y" : "",
            });
            window.location.assign(result.redirect);
        } catch (error) {
            showError(form, error,
                "Signing in with a passkey did not work. Please try again, or use your password.");
        }
    });
}

function setUpRegistration(form) {
    form.hidden = false;
    form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const csrf = form.elements.csrf_token.value;
        try {
            const options = await post("/account/passkeys", {csrf_token: csrf, action: "options"});
            const credential = await navigator.credentials.create({publicKey: {
                challenge: fromBase64url(options.challenge),
                rp: {id: options.rpId, name: "Microblog"},
                user: {
                    id: fromBase64url(options.userId),
                    name: options.userName,
                    displayName: options.userName,
                },
                pubKeyCredParams: [{type: "public-key", alg: -7}, {type: "public-key", alg: -257}],
                authenticatorSelection: {
                    residentKey: "required",
                    requireResidentKey: true,
                    userVerification: "preferred",
                },
                attestation: "none",
                excludeCredentials: options.exclude.map((id) => ({type: "public-key", id: fromBase64url(id)})),
                timeout: 120000,
            }});
            const reply = credential.response;
            const result = await post("/account/passkeys", {
                csrf_token: csrf,
                action: "register",
                name: form.elements.name.value,
                credential_id: toBase64url(credential.rawId),
                client_data: toBase64url(reply.clientDataJSON),
                authenticator_data: toBase64url(reply.getAuthenticatorData()),
                public_key: toBase64url(reply.getPublicKey()),
                algorithm: String(reply.getPublicKeyAlgorithm()),
            });
            window.location.assign(result.redirect);
        } catch (error) {
            showError(form, error, "The passkey could not be added. Please try again.");
        }
    });
}

// Browsers tie a passkey to the site's one origin (a host name, never an IP address): opened
// at another address of the same site, the page points there instead of offering a button that
// cannot work.
function onTheSitesOrigin(form) {
    if (form.dataset.origin === window.location.origin) return true;
    for (const note of document.querySelectorAll(".passkey-elsewhere")) note.hidden = false;
    return false;
}

const signInForm = document.getElementById("passkey-sign-in");
const addForm = document.getElementById("passkey-add");
if (!window.PublicKeyCredential) {
    for (const note of document.querySelectorAll(".passkey-unsupported")) note.hidden = false;
} else {
    if (signInForm && onTheSitesOrigin(signInForm)) setUpSignIn(signInForm);
    if (addForm && onTheSitesOrigin(addForm)) setUpRegistration(addForm);
}
