{{%AUTOESCAPE context="HTML"}}<h1>Two-Factor Sign In</h1>
{{#FORM_ERROR}}<p class="form-error" role="alert">{{MESSAGE}}</p>{{/FORM_ERROR}}
{{#APP_CODE}}<p>Enter the 6-digit code your authenticator app shows for Microblog.</p>{{/APP_CODE}}
{{#RECOVERY}}<p>Enter one of the recovery codes you saved when you set up two-factor sign-in. Each works once.</p>{{/RECOVERY}}
<form method="post" class="stacked-form">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<p>
{{#APP_CODE}}<label for="code">Code</label>
<input type="text" id="code" name="code" maxlength="64" autocomplete="one-time-code" required{{#CODE_AUTOFOCUS}} autofocus{{/CODE_AUTOFOCUS}}{{#CODE_ERROR}} aria-invalid="true" aria-describedby="code-error"{{/CODE_ERROR}}>{{/APP_CODE}}
{{#RECOVERY}}<label for="code">Recovery code</label>
<input type="text" id="code" name="code" maxlength="64" autocomplete="off" spellcheck="false" required{{#CODE_AUTOFOCUS}} autofocus{{/CODE_AUTOFOCUS}}{{#CODE_ERROR}} aria-invalid="true" aria-describedby="code-error"{{/CODE_ERROR}}>{{/RECOVERY}}
{{#CODE_ERROR}}<span class="field-error" id="code-error">{{MESSAGE}}</span>{{/CODE_ERROR}}
</p>
<p><input type="submit" name="submit" value="Verify"></p>
</form>
{{#APP_CODE}}<p>No access to your app? <a href="/login/two-factor?recovery=1">Use a recovery code</a></p>{{/APP_CODE}}
{{#RECOVERY}}<p><a href="/login/two-factor">Use a code from your app instead</a></p>{{/RECOVERY}}
