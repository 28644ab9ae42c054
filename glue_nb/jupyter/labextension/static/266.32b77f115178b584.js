"use strict";(self.rspackChunkglue_nb_jupyterlab=self.rspackChunkglue_nb_jupyterlab||[]).push([[266],{646(e,n,r){var o=r(601),t=r.n(o),a=r(314),i=r.n(a),p=r(14),l=i()(t());l.i(p.A),l.push([e.id,`/* glue-nb's JupyterLab extension: the Workflows panel, and the run view (shared with the widget). */

.gnb-panel { display: flex; flex-direction: column; padding: 6px 8px; gap: 4px; overflow: auto;
  background: var(--jp-layout-color1); color: var(--jp-ui-font-color1); font-size: var(--jp-ui-font-size1); }
.gnb-panel-head { display: flex; justify-content: space-between; align-items: center; }
.gnb-panel .gnb-home { font-size: 11px; padding: 2px 4px; border: 1px solid var(--jp-border-color1);
  background: var(--jp-layout-color0); color: var(--jp-ui-font-color1); }
.gnb-panel-msg { color: var(--jp-ui-font-color2); font-size: 12px; }
.gnb-wf { border-bottom: 1px solid var(--jp-border-color2); padding: 3px 0; }
.gnb-wf-line, .gnb-run { display: flex; align-items: center; gap: 5px; cursor: pointer; min-height: 22px; }
.gnb-wf-name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; flex: 0 1 auto; }
.gnb-caret { width: 10px; color: var(--jp-ui-font-color2); }
.gnb-wf-tools { margin-left: auto; display: inline-flex; gap: 2px; flex: none; }
.gnb-runs { padding-left: 14px; }
.gnb-run-text { color: var(--jp-ui-font-color2); font-size: 11px; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.gnb-act { font-size: 11px; padding: 0 5px; line-height: 18px; border: 1px solid var(--jp-border-color1);
  border-radius: 3px; background: var(--jp-layout-color2); color: var(--jp-ui-font-color1); cursor: pointer; }
.gnb-act:hover { background: var(--jp-layout-color3); }
.gnb-badge { display: inline-block; padding: 0 6px; border-radius: 8px; border: 1px solid; font-size: 10px;
  line-height: 15px; color: #111827; white-space: nowrap; flex: none; }
.gnb-tab { overflow: auto; background: var(--jp-layout-color0); }
.gnb-tab-body { padding: 8px 12px; }
.gnb-page-tab { display: flex; }
.gnb-page-frame { flex: 1; border: 0; width: 100%; height: 100%; background: #fff; }
`,""]),r.d(n,{},{A:l})},14(e,n,r){var o=r(601),t=r.n(o),a=r(314),i=(r.n(a))()(t());i.push([e.id,`/* The live run view (notebook widget and JupyterLab tabs). Colours of states come inline. */
.gnb-run-view { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 13px;
  color: var(--jp-ui-font-color1, #111827); min-width: 0; }
.gnb-run-view .gnb-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin: 4px 0; }
.gnb-run-view .gnb-tools { display: inline-flex; gap: 4px; margin-left: auto; }
.gnb-run-view .gnb-btn { font: inherit; font-size: 12px; padding: 3px 10px; border-radius: 4px;
  border: 1px solid #d1d5db; background: #f9fafb; color: #111827; cursor: pointer; line-height: 18px; }
.gnb-run-view .gnb-btn:hover:not(:disabled) { background: #eef2f7; }
.gnb-run-view .gnb-btn:disabled { opacity: 0.45; cursor: default; }
.gnb-run-view .gnb-danger { background: #dc2626; border-color: #b91c1c; color: #fff; }
.gnb-run-view .gnb-danger:hover:not(:disabled) { background: #b91c1c; }
.gnb-run-view .gnb-warn { background: #f59e0b; border-color: #d97706; color: #111827; }
.gnb-run-view .gnb-warn:hover:not(:disabled) { background: #d97706; }
.gnb-run-view .gnb-toggle.gnb-on { background: #dbeafe; border-color: #1d4ed8; color: #1e3a8a; }
.gnb-run-view .gnb-note { color: #6b7280; font-size: 12px; }
.gnb-run-view .gnb-note.gnb-error { color: #b91c1c; }
.gnb-run-view .gnb-legend-row { display: flex; flex-wrap: wrap; gap: 4px; margin: 2px 0 4px; }
.gnb-run-view .gnb-pill { font-size: 11px; line-height: 16px; padding: 0 6px; border-radius: 8px;
  color: #111827; white-space: nowrap; }
.gnb-graph { position: relative; }
.gnb-graph .gnb-viewport { position: relative; overflow: hidden; height: 320px; min-height: 120px;
  resize: vertical; border: 1px solid #e5e7eb; border-radius: 6px; cursor: grab;
  background: var(--jp-layout-color0, #fff); touch-action: none; }
.gnb-graph .gnb-viewport.gnb-dragging { cursor: grabbing; }
.gnb-graph .gnb-canvas { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
.gnb-graph .gnb-canvas svg { display: block; max-width: none; }
.gnb-graph g.node.gnb-clickable { cursor: pointer; }
.gnb-graph g.node.gnb-clickable:hover path, .gnb-graph g.node.gnb-clickable:hover polygon {
  stroke-width: 2px; }
/* the node whose details are shown: the graph's own SELECTION_CSS (glue_nb/views/style.py)
   rings it with a thin dashed outline; its border and fill keep saying its state */
.gnb-run-view a { color: var(--jp-content-link-color, #1d4ed8); text-decoration: none; }
.gnb-run-view a:hover { text-decoration: underline; }
.gnb-run-view .gnb-table-box { overflow: auto; max-height: 360px; margin-top: 6px; }
.gnb-run-view .gnb-details { margin-top: 6px; }
.gnb-run-view .gnb-select { font: inherit; font-size: 12px; max-width: min(480px, 100%); }
.gnb-run-view .gnb-detail-box { margin-top: 4px; }
.gnb-run-view .gnb-muted { color: #6b7280; font-size: 12px; }
.gnb-run-view a.gnb-nb-link.gnb-loading { opacity: 0.6; }
.gnb-run-view .gnb-nb-viewer { margin-top: 8px; border: 1px solid #d1d5db; border-radius: 6px; }
.gnb-run-view .gnb-nb-bar { display: flex; justify-content: space-between; align-items: center;
  padding: 4px 8px; background: #f3f4f6; }
.gnb-run-view .gnb-nb-frame { width: 100%; height: 70vh; border: 0; }
`,""]),r.d(n,{},{A:i})},314(e){e.exports=function(e){var n=[];return n.toString=function(){return this.map(function(n){var r="",o=void 0!==n[5];return n[4]&&(r+="@supports (".concat(n[4],") {")),n[2]&&(r+="@media ".concat(n[2]," {")),o&&(r+="@layer".concat(n[5].length>0?" ".concat(n[5]):""," {")),r+=e(n),o&&(r+="}"),n[2]&&(r+="}"),n[4]&&(r+="}"),r}).join("")},n.i=function(e,r,o,t,a){"string"==typeof e&&(e=[[null,e,void 0]]);var i={};if(o)for(var p=0;p<this.length;p++){var l=this[p][0];null!=l&&(i[l]=!0)}for(var s=0;s<e.length;s++){var d=[].concat(e[s]);o&&i[d[0]]||(void 0!==a&&(void 0===d[5]||(d[1]="@layer".concat(d[5].length>0?" ".concat(d[5]):""," {").concat(d[1],"}")),d[5]=a),r&&(d[2]&&(d[1]="@media ".concat(d[2]," {").concat(d[1],"}")),d[2]=r),t&&(d[4]?(d[1]="@supports (".concat(d[4],") {").concat(d[1],"}"),d[4]=t):d[4]="".concat(t)),n.push(d))}},n}},601(e){e.exports=function(e){return e[1]}},665(e,n,r){r.r(n);var o=r(72),t=r.n(o),a=r(825),i=r.n(a),p=r(659),l=r.n(p),s=r(56),d=r.n(s),c=r(540),g=r.n(c),b=r(113),u=r.n(b),f=r(646),v={};v.styleTagTransform=u(),v.setAttributes=d(),v.insert=l().bind(null,"head"),v.domAPI=i(),v.insertStyleElement=g(),t()(f.A,v);let h=f.A&&f.A.locals?f.A.locals:void 0;r.d(n,{},{default:h})},72(e){var n=[];function r(e){for(var r=-1,o=0;o<n.length;o++)if(n[o].identifier===e){r=o;break}return r}function o(e,o){for(var t={},a=[],i=0;i<e.length;i++){var p=e[i],l=o.base?p[0]+o.base:p[0],s=t[l]||0,d="".concat(l," ").concat(s);t[l]=s+1;var c=r(d),g={css:p[1],media:p[2],sourceMap:p[3],supports:p[4],layer:p[5]};if(-1!==c)n[c].references++,n[c].updater(g);else{var b=function(e,n){var r=n.domAPI(n);return r.update(e),function(n){n?(n.css!==e.css||n.media!==e.media||n.sourceMap!==e.sourceMap||n.supports!==e.supports||n.layer!==e.layer)&&r.update(e=n):r.remove()}}(g,o);o.byIndex=i,n.splice(i,0,{identifier:d,updater:b,references:1})}a.push(d)}return a}e.exports=function(e,t){var a=o(e=e||[],t=t||{});return function(e){e=e||[];for(var i=0;i<a.length;i++){var p=r(a[i]);n[p].references--}for(var l=o(e,t),s=0;s<a.length;s++){var d=r(a[s]);0===n[d].references&&(n[d].updater(),n.splice(d,1))}a=l}}},659(e){var n={};e.exports=function(e,r){var o=function(e){if(void 0===n[e]){var r=document.querySelector(e);if(window.HTMLIFrameElement&&r instanceof window.HTMLIFrameElement)try{r=r.contentDocument.head}catch(e){r=null}n[e]=r}return n[e]}(e);if(!o)throw Error("Couldn't find a style target. This probably means that the value for the 'insert' parameter is invalid.");o.appendChild(r)}},540(e){e.exports=function(e){var n=document.createElement("style");return e.setAttributes(n,e.attributes),e.insert(n,e.options),n}},56(e,n,r){e.exports=function(e){var n=r.nc;n&&e.setAttribute("nonce",n)}},825(e){e.exports=function(e){if("u"<typeof document)return{update:function(){},remove:function(){}};var n=e.insertStyleElement(e);return{update:function(r){var o,t,a;o="",r.supports&&(o+="@supports (".concat(r.supports,") {")),r.media&&(o+="@media ".concat(r.media," {")),(t=void 0!==r.layer)&&(o+="@layer".concat(r.layer.length>0?" ".concat(r.layer):""," {")),o+=r.css,t&&(o+="}"),r.media&&(o+="}"),r.supports&&(o+="}"),(a=r.sourceMap)&&"u">typeof btoa&&(o+="\n/*# sourceMappingURL=data:application/json;base64,".concat(btoa(unescape(encodeURIComponent(JSON.stringify(a))))," */")),e.styleTagTransform(o,n,e.options)},remove:function(){var e;null===(e=n).parentNode||e.parentNode.removeChild(e)}}}},113(e){e.exports=function(e,n){if(n.styleSheet)n.styleSheet.cssText=e;else{for(;n.firstChild;)n.removeChild(n.firstChild);n.appendChild(document.createTextNode(e))}}}}]);