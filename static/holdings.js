// Add and remove holding rows of a Django formset: rows are renumbered so the form
// indexes stay contiguous, which is what the formset's TOTAL_FORMS count expects.
(function () {
  const rows = document.getElementById("holding-rows");
  const template = document.getElementById("holding-template");
  const total = document.getElementById("id_holdings-TOTAL_FORMS");
  if (!rows || !template || !total) return;

  function renumber() {
    rows.querySelectorAll("tr.holding-row").forEach(function (row, index) {
      row.querySelectorAll("input, select, label").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          const value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, value.replace(/holdings-(\d+|__prefix__)-/, "holdings-" + index + "-"));
        });
      });
    });
    total.value = rows.querySelectorAll("tr.holding-row").length;
  }

  document.getElementById("add-holding").addEventListener("click", function () {
    rows.appendChild(template.content.cloneNode(true));
    renumber();
  });
  rows.addEventListener("click", function (event) {
    if (!event.target.classList.contains("remove-row")) return;
    event.target.closest("tr").remove();
    renumber();
  });
})();
