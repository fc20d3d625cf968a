import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fmtDuration, probeStrip } from '../../src/local/tour-format.ts';

describe('npm run tour', () => {
  it('runs the chapter 5.1 migration through the API with an approval, prints the timeline and exits 0 with no probe lost', async () => {
    // Act
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/local/tour.ts', '--speed', '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(timer);
    // Assess
    assert.equal(code, 0, `${out}\n${err}`);
    assert.match(out, /1\. Plan \(POST \/v1\/plans, as local-operator\)/);
    assert.match(out, /peering route 172\.16\.0\.0\/16 blocks CEN route 172\.16\.1\.0\/24/);
    assert.match(out, /digital twin .*: 0 probe\(s\) lost/);
    assert.match(out, /approval granted by local-approver/);
    assert.match(out, /DeletingPeeringRoute → AwaitingPeeringRouteDeleted/);
    assert.match(out, /\|█+[█ ]*\|/);
    assert.match(out, /\d+ probes, 0 lost: zero blackout\./);
  });
});

describe('Function: probeStrip', () => {
  const samples = Array.from({ length: 100 }, (_, i) => ({ t: 1000 + i * 100, flow: 'f', ok: i < 40 || i >= 60 }));

  it('draws delivered, lost and mixed columns, the axis from t0, and the marks with a legend', () => {
    // Act
    const lines = probeStrip(samples, { width: 50, t0: 1000, marks: [{ at: 5000, label: 'DeletingPeeringRoute' }] });
    // Assess
    assert.match(lines[0] ?? '', /^\|█+[░×]?×+[░×]?█+\|$/);
    assert.equal((lines[0] ?? '').length, 52);
    assert.equal((lines[1] ?? '').indexOf('a'), 1 + Math.floor(((5000 - 1000) / 9900) * 49));
    assert.match(lines[2] ?? '', /^ 0 ms +9\.9 s$/);
    assert.equal(lines[3], '   a 4.0 s DeletingPeeringRoute');
  });

  it('says so when there is nothing to draw', () => {
    assert.deepEqual(probeStrip([], { width: 40, t0: 0 }), ['(no probe samples)']);
  });

  it('formats durations as people read them', () => {
    assert.deepEqual([fmtDuration(850), fmtDuration(12_400), fmtDuration(185_000)], ['850 ms', '12.4 s', '3 min 05 s']);
  });
});
