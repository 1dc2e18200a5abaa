/*
 * Shanzhi 善治 — small behaviours shared by every page. No inline script anywhere (CSP):
 * pages pass data through data-* attributes or json_script elements.
 */
(function () {
  "use strict";

  // <form data-confirm="确定要……吗？">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm) {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    }
  });

  // An htmx request that fails shows the page's error notice instead of failing silently.
  document.addEventListener("htmx:responseError", function () {
    var notice = document.getElementById("sz-htmx-error");
    if (notice) {
      notice.hidden = false;
    }
  });
})();
