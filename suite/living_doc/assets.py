"""The document's style and its little script (filter, search, enlarge a picture).
Inline, so the document is one file that opens offline."""

CSS = """
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2733;background:#f3f5f8}
a{color:#1d4ed8}main{max-width:1180px;margin:0 auto;padding:0 24px 40px}
header.verdict{padding:18px 24px 16px;color:#fff}header .in{max-width:1180px;margin:0 auto}
.tone-green{background:#166534}.tone-amber{background:#92400e}.tone-red{background:#991b1b}
header .kicker{font-size:13px;opacity:.85;letter-spacing:.02em}
header h1{font-size:21px;line-height:1.35;margin:4px 0 8px;font-weight:400}header h1 b{font-weight:700}
header .meta{font-size:13.5px;opacity:.92}header a{color:#fff}
.cards{display:grid;grid-template-columns:repeat(3,1fr);gap:14px;margin:16px 0}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:12px 16px;font-size:14px}
.card h2{font-size:15px;margin:0 0 6px}.card ul{margin:4px 0 8px;padding-left:18px}.card li{margin:2px 0}
.card h3{font-size:13px;margin:8px 0 2px;color:#475569;text-transform:uppercase;letter-spacing:.03em}
.card details summary{cursor:pointer}
section.box{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:14px 20px;margin:16px 0}
section.box>h2{margin:2px 0 8px;font-size:19px}
.toolbar{position:sticky;top:0;z-index:5;background:#f3f5f8;padding:8px 0;display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.toolbar input,.toolbar select{font:inherit;padding:5px 8px;border:1px solid #cbd5e1;border-radius:6px;background:#fff}
.toolbar input{flex:1;min-width:220px}.toolbar select{flex:none;max-width:260px}.toolbar .shown{color:#64748b;font-size:13px}
.toolbar nav a{margin-right:10px;font-size:13.5px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e2e8f0;padding:5px 6px;text-align:left;vertical-align:top}
th{font-size:13px;color:#475569}td:first-child{white-space:nowrap}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff;white-space:nowrap}
.b-passed{background:#15803d}.b-failed{background:#dc2626}.b-xfailed,.b-exceptions{background:#0e7490}
.b-skipped{background:#b45309}.b-pending{background:#7c3aed}.b-partial{background:#a16207}.b-flaky{background:#c2410c}
.b-notrun{background:#94a3b8}.b-xpassed{background:#dc2626}
.note{color:#475569;font-size:13px}.muted{color:#64748b}.small{font-size:12.5px}
.chip{display:inline-block;background:#e0e7ff;color:#3730a3;border-radius:4px;padding:0 5px;margin:0 1px;
  font-size:11.5px;font-weight:600}
.strip{display:inline-flex;gap:1px;vertical-align:middle}.strip i{width:6px;height:14px;border-radius:1px;display:inline-block}
.h-p{background:#16a34a}.h-f{background:#dc2626}.h-k{background:#ea580c}.h-x{background:#0891b2}.h-h{background:#ca8a04}
.h-s{background:#d97706}.h-n{background:#8b5cf6}.h--{background:#e2e8f0}.strip i.now{outline:1.5px solid #0f172a}
details.scn{border-top:1px solid #e2e8f0;padding:6px 0}
details.scn>summary{cursor:pointer;font-weight:600;list-style-position:outside}
details.scn[open]>summary{margin-bottom:6px}
.steps{list-style:none;padding-left:0;margin:4px 0}.steps li{padding:1px 0}.kw{font-weight:700;color:#334155}
.param{background:#fef9c3;border-radius:3px;padding:0 3px;font-style:italic}
.s-failed{background:#fee2e2}.s-notrun{color:#94a3b8}
.failure{border-left:4px solid #dc2626;background:#fef2f2;padding:6px 10px;margin:6px 0}
.reason{border-left:4px solid #d97706;background:#fffbeb;padding:4px 10px;margin:6px 0;font-size:14px}
pre{background:#0f172a;color:#e2e8f0;padding:8px 10px;border-radius:6px;white-space:pre-wrap;font-size:12.5px;margin:4px 0}
.narrative{white-space:pre-line;color:#334155}
figure.shot{display:inline-block;margin:4px 10px 6px 0;vertical-align:top;width:204px}
figure.shot img{width:200px;border:1px solid #cbd5e1;border-radius:4px;display:block;cursor:zoom-in}
figure.shot figcaption{font-size:12px;color:#475569;line-height:1.3;margin-top:2px}
.release{margin:16px 0 0;border-radius:8px;padding:10px 16px;font-size:14.5px;border-left:6px solid;background:#fff;
box-shadow:0 1px 3px rgba(0,0,0,.12)}.release h2{margin:0 0 4px;font-size:15px}.release p{margin:0}
.release ul{margin:6px 0 0;padding-left:20px}.release.tone-green{border-color:#16a34a;background:#f0fdf4}
.release.tone-amber{border-color:#d97706;background:#fffbeb}.release.tone-red{border-color:#dc2626;background:#fef2f2}
.release.tone-blue{border-color:#2563eb;background:#eff6ff}
a.term{color:inherit;text-decoration:underline dotted;text-underline-offset:2px}
.decide{margin-top:2px}.owner{font-weight:600}.tally{margin:6px 0 8px;padding-left:20px}.tally li{margin:3px 0}
figure.shot.told{width:330px}.marks{display:block;color:#92400e;margin-top:3px}
figure.failed img{border:2px solid #dc2626}
.unverified{font-size:12px;color:#b91c1c;border:1px dashed #dc2626;padding:6px;width:160px}
table.examples td{font-size:14px}table.examples td:first-child{width:26%;white-space:normal}
table.examples td:nth-child(2){width:130px}table.reqs td:nth-child(2){width:38%}table.reqs td:nth-child(3){width:150px}
table.reqs td:nth-child(4){width:215px}table.reqs ul{margin:2px 0;padding-left:16px}.flow svg{max-width:100%;height:auto}
dl.glossary{display:grid;grid-template-columns:210px 1fr;gap:4px 14px;margin:0}
dl.glossary dt{font-weight:650}dl.glossary dd{margin:0}
code{background:#f1f5f9;border-radius:3px;padding:0 3px;font-size:13px}
dialog{border:none;border-radius:8px;padding:10px;max-width:96vw;max-height:96vh;overflow:auto}
dialog img{max-width:92vw;max-height:84vh;display:block}[id]{scroll-margin-top:96px}dialog::backdrop{background:rgba(15,23,42,.7)}
[hidden]{display:none!important}
@media (max-width:900px){.cards{grid-template-columns:1fr}}
"""

JS = """
(function(){
var q=document.getElementById('q'),fl=document.getElementById('flow'),st=document.getElementById('status'),
    shown=document.getElementById('shown');
function apply(){
  var text=q.value.trim().toLowerCase(),flow=fl.value,status=st.value,n=0,all=0;
  document.querySelectorAll('[data-filter]').forEach(function(el){
    var s=el.dataset.status,ok=(!text||el.dataset.search.indexOf(text)>=0)
      &&(!flow||(' '+el.dataset.flow+' ').indexOf(' '+flow+' ')>=0)
      &&(!status||s===status||(status==='attention'&&s!=='passed'&&s!=='notrun'));
    el.hidden=!ok;all++;if(ok)n++;
  });
  document.querySelectorAll('details[data-autoopen]').forEach(function(det){
    if(text||flow||status)det.open=!!det.querySelector('[data-filter]:not([hidden])');
  });
  document.querySelectorAll('section[data-group]').forEach(function(sec){
    sec.hidden=!sec.querySelector('[data-filter]:not([hidden])');
  });
  shown.textContent=(text||flow||status)?n+' of '+all+' shown':'';
}
[q,fl,st].forEach(function(el){el.addEventListener('input',apply)});
var d=document.getElementById('zoom'),img=d.querySelector('img'),cap=d.querySelector('p');
document.addEventListener('click',function(e){
  var a=e.target.closest('a[data-zoom]');
  if(!a){if(e.target.closest('dialog'))d.close();return}
  e.preventDefault();var small=a.querySelector('img').src;
  cap.textContent=a.dataset.info;
  img.onerror=function(){img.onerror=null;img.src=small;cap.textContent=a.dataset.info+
    ' (only the small copy is in this file; the full picture is '+a.getAttribute('href')+' beside it)'};
  img.src=a.getAttribute('href');d.showModal();
});
if(location.hash){var t=document.querySelector(location.hash);if(t&&t.tagName==='DETAILS')t.open=true}
})();
"""
