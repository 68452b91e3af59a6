// Add and remove rows of the Django formsets on the attestation form (holdings, issuer figures).
// Rows are renumbered so the form indexes stay contiguous, which is what TOTAL_FORMS expects.
(function () {
  document.querySelectorAll("[data-formset]").forEach(function (box) {
    const prefix = box.getAttribute("data-formset");
    const rows = document.getElementById(prefix + "-rows");
    const template = document.getElementById(prefix + "-template");
    const total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    if (!rows || !template || !total) return;
    const pattern = new RegExp(prefix + "-(\\d+|__prefix__)-");

    function renumber() {
      rows.querySelectorAll(".formset-row").forEach(function (row, index) {
        row.querySelectorAll("input, select, textarea, label").forEach(function (el) {
          ["name", "id", "for"].forEach(function (attr) {
            const value = el.getAttribute(attr);
            if (value) el.setAttribute(attr, value.replace(pattern, prefix + "-" + index + "-"));
          });
        });
        const number = row.querySelector(".line-no");
        if (number) number.textContent = index + 1;
      });
      total.value = rows.querySelectorAll(".formset-row").length;
    }

    box.querySelector('[data-add="' + prefix + '"]').addEventListener("click", function () {
      rows.appendChild(template.content.cloneNode(true));
      renumber();
    });
    rows.addEventListener("click", function (event) {
      if (!event.target.classList.contains("remove-row")) return;
      event.target.closest(".formset-row").remove();
      renumber();
    });
  });
})();
