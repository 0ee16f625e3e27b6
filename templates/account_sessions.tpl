{{%AUTOESCAPE context="HTML"}}<h1>Where You Are Signed In</h1>
<p>Each browser signed in to your account. If you do not recognise one, sign it out and change your password.</p>
<ul class="sessions">
{{#SESSION}}<li class="session" id="session-{{PUBLIC_ID}}">
<p class="session-device"><strong>{{DEVICE}}</strong>{{#CURRENT}} <span class="this-device">This device</span>{{/CURRENT}}</p>
<dl class="facts">
<dt>Address</dt><dd class="session-address">{{IP_ADDRESS}}</dd>
<dt>Signed in</dt><dd class="session-signed-in">{{SIGNED_IN_AT}} UTC</dd>
<dt>Last active</dt><dd class="session-last-active">{{#CURRENT}}now{{/CURRENT}}{{#OTHER}}{{LAST_ACTIVE_AT}} UTC{{/OTHER}}</dd>
<dt>Remembered</dt><dd class="session-remembered">{{REMEMBERED}}</dd>
</dl>
{{#OTHER}}<form method="post" action="/account/sessions" class="session-end">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="hidden" name="session" value="{{PUBLIC_ID}}">
<button type="submit" name="action" value="end" class="secondary">Sign out</button>
</form>{{/OTHER}}
</li>
{{/SESSION}}</ul>
{{#HAS_OTHERS}}<form method="post" action="/account/sessions">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<p><button type="submit" name="action" value="end_others">Sign out all other sessions</button></p>
</form>{{/HAS_OTHERS}}
<p><a href="/account">Back to your account</a></p>
