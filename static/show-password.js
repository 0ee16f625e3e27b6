// "Show password" (OWASP ASVS 2.1.12): a checkbox under a form's password fields that shows
// what was typed, for whoever wants to check it. The box is hidden unless this script runs, so
// a browser without JavaScript never offers a box that does nothing.
"use strict";

for (const box of document.querySelectorAll("input[data-shows]")) {
    const fields = box.dataset.shows.split(" ").map((id) => document.getElementById(id));
    const show = (visible) => {
        for (const field of fields) field.type = visible ? "text" : "password";
    };
    box.addEventListener("change", () => show(box.checked));
    // Sent as password fields, so password managers still offer to save them.
    box.form.addEventListener("submit", () => show(false));
    box.closest(".show-password").hidden = false;
}
