// Follows a running log: appends each line the server sends (SSE) and
// reloads the page once the run is done, to show its outcome.
(function () {
  var log = document.getElementById("log");
  if (!log || !log.dataset.live || !window.EventSource) return;
  var es = new EventSource(log.dataset.live + "?from=" + log.dataset.from);
  es.onmessage = function (e) {
    log.appendChild(document.createTextNode(e.data + "\n"));
  };
  es.addEventListener("done", function () {
    es.close();
    window.location.reload();
  });
})();
