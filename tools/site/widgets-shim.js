/* Loaded between require.js and @jupyter-widgets/html-manager's embed-amd.js (see _config.yml,
 * nb_ipywidgets_js). Makes the embedded-widget manager take everything from this site:
 *  - the manager's bundles are AMD modules named "@jupyter-widgets/..."; webpack derives the URL
 *    of their icon fonts from the module URI, which require.js would otherwise place next to the
 *    current page. We map the module ids to the vendored copy and set the assets path directly.
 *  - the manager falls back to a CDN for widget modules it does not bundle; we point that
 *    fallback (attribute data-jupyter-widgets-cdn, read from any script tag) at this site, so
 *    a missing module is a local 404, never a request to another host.
 *  - the widgets typeset their labels with the MathJax 2 API (MathJax.Hub.Queue); the site
 *    loads MathJax 3, which has no Hub ("Cannot read properties of undefined (reading
 *    'Queue')"). Whatever object becomes window.MathJax gets a small Hub.Queue that forwards
 *    to MathJax 3's typesetPromise.
 */
(function () {
  "use strict";
  var me = document.currentScript;
  var vendor = new URL(".", me.src).href;            // .../_vendor/
  var dist = vendor + "@jupyter-widgets/html-manager/dist/";
  window.__jupyter_widgets_assets_path__ = dist;
  me.setAttribute("data-jupyter-widgets-cdn", vendor + "npm/");
  if (window.requirejs) {
    var paths = { "@jupyter-widgets/html-manager": vendor + "@jupyter-widgets/html-manager" };
    ["base", "base7", "controls", "controls7", "output"].forEach(function (name) {
      paths["@jupyter-widgets/" + name] = dist + name;
    });
    window.requirejs.config({ paths: paths });
  }

  function typesetLater(element) {
    var mj = window.MathJax;
    var ready = mj && mj.startup && mj.startup.promise;
    if (!ready) { return; }
    ready.then(function () {
      return mj.typesetPromise ? mj.typesetPromise([element]) : null;
    }).catch(function (err) { console.warn("MathJax typeset of a widget label failed", err); });
  }
  function addHub(obj) {
    if (obj && typeof obj === "object" && !obj.Hub) {
      Object.defineProperty(obj, "Hub", {
        configurable: true, enumerable: false,
        value: { Queue: function () {
          Array.prototype.forEach.call(arguments, function (job) {
            if (Array.isArray(job) && job[0] === "Typeset" && job[2]) { typesetLater(job[2]); }
          });
        } }
      });
    }
    return obj;
  }
  var current = addHub(window.MathJax);
  try {
    Object.defineProperty(window, "MathJax", {
      configurable: true, enumerable: true,
      get: function () { return current; },
      set: function (value) { current = addHub(value); }
    });
  } catch (err) { console.warn("widgets-shim: cannot bridge MathJax.Hub", err); }
})();
