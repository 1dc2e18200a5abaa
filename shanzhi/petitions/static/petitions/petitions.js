/* Petition pages: add petitioner rows to the registration formset, pick a registry person
   into a new row, and tick special-action checklist items (htmx does the request). */
(function () {
  "use strict";

  function addRow() {
    var total = document.getElementById("id_petitioners-TOTAL_FORMS");
    var template = document.getElementById("sz-petitioner-template");
    var list = document.getElementById("sz-petitioners");
    if (!total || !template || !list) { return null; }
    var index = parseInt(total.value, 10) || 0;
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    list.appendChild(row);
    total.value = String(index + 1);
    return row;
  }

  function emptyRow() {
    var rows = document.querySelectorAll("#sz-petitioners [data-petitioner-row]");
    for (var i = 0; i < rows.length; i += 1) {
      var person = rows[i].querySelector("input[name$='-person']");
      var name = rows[i].querySelector("input[name$='-name']");
      if (person && name && !person.value && !name.value) { return rows[i]; }
    }
    return addRow();
  }

  // Enter in the registry search looks people up; it must not submit the registration.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.id === "sz-person-search") {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-petitioner]");
    if (add) {
      event.preventDefault();
      addRow();
      return;
    }
    var pick = event.target.closest("[data-pick-person]");
    if (pick) {
      event.preventDefault();
      var row = emptyRow();
      if (!row) { return; }
      row.querySelector("input[name$='-person']").value = pick.getAttribute("data-pick-person");
      row.querySelector("input[name$='-name']").value = pick.getAttribute("data-name");
      var label = row.querySelector("[data-person-label]");
      if (label) { label.textContent = pick.getAttribute("data-label"); }
      var results = document.getElementById("sz-person-results");
      if (results) { results.innerHTML = ""; }
    }
  });
})();
