{{%AUTOESCAPE context="HTML"}}<h1>{{STATUS}}: {{TITLE}}</h1>
<p>{{MESSAGE}}</p>
<p><a href="/index">Back to the home page</a></p>
