{{%AUTOESCAPE context="HTML"}}<h1>Change Password</h1>
{{#FORM_ERROR}}<p class="form-error" role="alert">{{MESSAGE}}</p>{{/FORM_ERROR}}
<p>Changing your password signs you out everywhere else.</p>
<form method="post" class="stacked-form">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="text" name="username" value="{{USERNAME}}" autocomplete="username" hidden>
<p>
<label for="current_password">Current Password</label>
<input type="password" id="current_password" name="current_password" autocomplete="current-password" required{{#CURRENT_PASSWORD_AUTOFOCUS}} autofocus{{/CURRENT_PASSWORD_AUTOFOCUS}}{{#CURRENT_PASSWORD_ERROR}} aria-invalid="true" aria-describedby="current_password-error"{{/CURRENT_PASSWORD_ERROR}}>
{{#CURRENT_PASSWORD_ERROR}}<span class="field-error" id="current_password-error">{{MESSAGE}}</span>{{/CURRENT_PASSWORD_ERROR}}
</p>
<p>
<label for="password">New Password</label>
<input type="password" id="password" name="password" autocomplete="new-password" required{{#PASSWORD_AUTOFOCUS}} autofocus{{/PASSWORD_AUTOFOCUS}}{{#PASSWORD_ERROR}} aria-invalid="true" aria-describedby="password-error"{{/PASSWORD_ERROR}}>
{{#PASSWORD_ERROR}}<span class="field-error" id="password-error">{{MESSAGE}}</span>{{/PASSWORD_ERROR}}
</p>
<p>
<label for="password2">Repeat New Password</label>
<input type="password" id="password2" name="password2" autocomplete="new-password" required{{#PASSWORD2_AUTOFOCUS}} autofocus{{/PASSWORD2_AUTOFOCUS}}{{#PASSWORD2_ERROR}} aria-invalid="true" aria-describedby="password2-error"{{/PASSWORD2_ERROR}}>
{{#PASSWORD2_ERROR}}<span class="field-error" id="password2-error">{{MESSAGE}}</span>{{/PASSWORD2_ERROR}}
</p>
<p class="checkbox show-password" hidden>
<input type="checkbox" id="show_password" data-shows="current_password password password2">
<label for="show_password">Show passwords</label>
</p>
<p><input type="submit" name="submit" value="Change Password"></p>
</form>
<p><a href="/account">Back to your account</a></p>
<script src="/static/show-password.js" defer></script>
