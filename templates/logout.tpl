{{%AUTOESCAPE context="HTML"}}<h1>Sign Out</h1>
<p>Do you want to sign out of Microblog on this browser?</p>
<form method="post" action="/logout">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<p><input type="submit" value="Sign Out" autofocus></p>
</form>
