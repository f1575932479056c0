// lunr 2 with lunr-languages' stemmers over the relevance set, for comparison with faqd.
//
// usage: RELEVANCE_DUMP=/tmp/rel.json RELEVANCE_WORDS_ONLY=1 cargo test --test api search_finds_the_answer
//        npm install lunr@2.3.9 lunr-languages@1.14.0   (in NODE_PATH, or here; .ci/relevance-lunr
//        does it all, lunr pinned in .ci/relevance/package-lock.json)
//        node tests/relevance/lunr.js /tmp/rel.json
//
// One index per page language with its stemmer and stop words (lunr-languages), English's
// for languages it lacks; Chinese and Japanese text cut into single characters. Fields:
// question (boost 2) and answer text. A query is searched in every index, the hits merged by
// score; each query's terms are OR-ed, as lunr's search box does.
const fs = require("fs");
const lunr = require("lunr");
require("lunr-languages/lunr.stemmer.support")(lunr);
const STEMMED = ["de", "es", "fr", "it", "nl", "pt", "ru", "hu", "da", "fi", "no", "ro", "sv", "tr"];
for (const l of STEMMED) require(`lunr-languages/lunr.${l}`)(lunr);

const data = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const cjk = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]/;
const spaced = (t) => t.replace(/([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af])/g, " $1 ");

const byLang = {};
data.entries.forEach((e, i) => {
  const l = e.lang.split("-")[0];
  (byLang[l] = byLang[l] || []).push({ id: String(i), question: spaced(e.question), text: spaced(e.text) });
});
const indexes = Object.entries(byLang).map(([l, docs]) =>
  lunr(function () {
    if (STEMMED.includes(l)) this.use(lunr[l]);
    this.ref("id");
    this.field("question", { boost: 2 });
    this.field("text");
    docs.forEach((d) => this.add(d));
  }),
);

const score = {};
const add = (q, rank) => {
  // Its kind (over every set), its set (when the dump names one), and all.
  for (const k of [q.kind, ...(q.set ? [`set:${q.set}`] : []), "all"]) {
    const s = (score[k] = score[k] || { n: 0, top1: 0, rr: 0 });
    s.n += 1;
    if (rank === 1) s.top1 += 1;
    if (rank) s.rr += 1 / rank;
  }
};
for (const q of data.queries) {
  const terms = spaced(q.q).toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  let hits = [];
  for (const index of indexes) {
    try {
      hits = hits.concat(index.query((query) => {
        for (const t of terms) query.term(t, { usePipeline: true });
      }));
    } catch (e) {
      // A term lunr cannot parse finds nothing.
    }
  }
  hits.sort((a, b) => b.score - a.score);
  const top = hits.slice(0, 5).map((h) => data.entries[Number(h.ref)]);
  const at = top.findIndex((e) => e.page === q.page && e.question === q.expect);
  add(q, at >= 0 ? at + 1 : null);
}
console.log("          kind    n  lunr top1  lunr mrr5");
const totals = ["set:first", "set:round2", "set:round3", "set:round4", "set:round5", "all"];
const keys = Object.keys(score).filter((k) => !totals.includes(k)).sort();
for (const k of [...keys, ...totals.filter((k) => score[k])]) {
  const s = score[k];
  console.log(`${k.padStart(14)} ${String(s.n).padStart(4)} ${(s.top1 / s.n).toFixed(3).padStart(10)} ${(s.rr / s.n).toFixed(3).padStart(10)}`);
}
