(function () {
  'use strict';

  // Sort key of a row's cell: the number in data-value, or the lower-cased text.
  function key(row, index, numeric) {
    var cell = row.cells[index];
    if (!cell) { return numeric ? NaN : ''; }
    if (numeric) {
      var value = cell.getAttribute('data-value');
      return value === null ? NaN : parseFloat(value);
    }
    return cell.textContent.trim().toLowerCase();
  }

  // Sorts the table body by column `index`; numbers start descending, text ascending, and each
  // further click reverses. Missing numbers always sort last.
  function sortTable(table, index, header) {
    var numeric = header.getAttribute('data-type') === 'number';
    var current = header.getAttribute('aria-sort');
    var descending = current ? current === 'ascending' : numeric;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      cell.removeAttribute('aria-sort');
    });
    header.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a, index, numeric);
      var y = key(b, index, numeric);
      if (numeric) {
        if (isNaN(x) || isNaN(y)) { return (isNaN(x) ? 1 : 0) - (isNaN(y) ? 1 : 0); }
        return descending ? y - x : x - y;
      }
      var order = x.localeCompare(y);
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  document.querySelectorAll('table.sortable').forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
      header.tabIndex = 0;
      header.addEventListener('click', function () { sortTable(table, index, header); });
      header.addEventListener('keydown', function (event) {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          sortTable(table, index, header);
        }
      });
    });
  });

  // Filter boxes hide the rows of their table that do not contain the query; a checked
  // "only flagged" box (sample pages) also hides the rows without a cell of its flag's class.
  function filterRows(table) {
    var input = document.querySelector('input.filter[data-filter="' + table.id + '"]');
    var query = input ? input.value.trim().toLowerCase() : '';
    var flags = document.querySelectorAll('input.only-flagged[data-filter="' + table.id + '"]');
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var hidden = query !== '' && row.textContent.toLowerCase().indexOf(query) < 0;
      Array.prototype.forEach.call(flags, function (flag) {
        if (flag.checked && !row.querySelector('td.' + flag.getAttribute('data-flag'))) {
          hidden = true;
        }
      });
      row.hidden = hidden;
    });
  }

  document.querySelectorAll('input.filter, input.only-flagged').forEach(function (input) {
    var table = document.getElementById(input.getAttribute('data-filter'));
    if (!table) { return; }
    input.hidden = false;
    if (input.parentElement.tagName === 'LABEL') { input.parentElement.hidden = false; }
    var event = input.type === 'checkbox' ? 'change' : 'input';
    input.addEventListener(event, function () { filterRows(table); });
  });

  // The view selector shows one leaderboard view at a time.
  var select = document.getElementById('view-select');
  if (select) {
    var show = function () {
      document.querySelectorAll('section.view').forEach(function (section) {
        section.hidden = section.id !== select.value;
      });
    };
    select.hidden = false;
    select.parentElement.hidden = false;
    select.addEventListener('change', show);
    show();
  }
}());
