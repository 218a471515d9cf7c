/** Styles of the demo page, served as `/demo.css` so the CSP needs no inline style. */
export const DEMO_STYLE = `:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
main { max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
textarea { box-sizing: border-box; width: 100%; font: inherit; padding: .5rem; }
button { margin-top: .5rem; font: inherit; padding: .4rem 1.2rem; }
.muted { opacity: .7; }
.verdict { font-size: 1.4rem; margin-bottom: .4rem; }
#label { font-weight: 700; }
.bar { height: .8rem; border-radius: .4rem; background: #8884; overflow: hidden; }
#bar-fill { height: 100%; width: 0; background: #2a7; transition: width .2s; }
#scores { padding-left: 1.2rem; }
#tokens { line-height: 1.9; white-space: pre-wrap; }
#tokens mark { color: inherit; border-radius: .2rem; padding: 0 .05rem; }
#error { color: #c33; }
`;
