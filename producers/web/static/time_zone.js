// The sign-in form tells the server the browser's time zone (an IANA name such as "Europe/Paris"), so a person who
// never chose one reads their times in it; the server keeps it only if it is a zone it knows.
"use strict";
(function () {
  const field = document.getElementById("browser_time_zone");
  if (!field) return;
  try {
    field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    field.value = "";  // a browser without Intl: the person reads UTC until they choose
  }
})();
