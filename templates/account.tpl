{{%AUTOESCAPE context="HTML"}}<h1>Your Account</h1>
<dl class="facts">
<dt>Username</dt>
<dd id="account-username">{{USERNAME}}</dd>
<dt>Email</dt>
<dd id="account-email">{{EMAIL}}</dd>
</dl>
<ul class="account-links">
<li><a href="/account/password">Change your password</a></li>
<li><a href="/account/sessions">See where you are signed in</a></li>
<li><a href="/account/two-factor">Two-factor sign-in</a></li>
<li><a href="/account/passkeys">Passkeys</a></li>
</ul>
