/** `npm start`: runs the local stack on the embedded default. (Grows as the parts land.) */
console.log('xcflow: local stack starting…');
console.log('xcflow: nothing to run yet — the emulator, engine and API land in the next commits.');
