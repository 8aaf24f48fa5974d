import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CHECKED_PROFILES_FOLDER, checkedShippedProfile, checkMeterProfileFile, resolveProfilePath, shippedProfileNames, type CheckedProfile } from '../../src/hal/meter/profile.js';
import { packageRoot } from '../../src/paths.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * Issue 18: the built agent takes a shipped meter profile as the build checked it
 * (dist/validators/meter-profiles/, tools/build-validators.ts) instead of loading and running the
 * profile schema's validator at each start, as long as the profile's file is the one the build read.
 */
describe('meter profiles checked at build time', () => {
  function shippedCopy(): { shippedDir: string; validatorsDir: string; file: string } {
    const root = makeTempDir('evse-checked-profiles');
    const shippedDir = path.join(root, 'meters');
    const validatorsDir = path.join(root, 'validators');
    mkdirSync(shippedDir);
    mkdirSync(path.join(validatorsDir, CHECKED_PROFILES_FOLDER), { recursive: true });
    const file = path.join(shippedDir, 'eastron-sdm630.json');
    copyFileSync(resolveProfilePath('eastron-sdm630'), file);
    const { size, mtimeMs } = statSync(file);
    // Marked, so that the test sees which one was taken.
    const checked: CheckedProfile = { source: { size, mtimeMs }, profile: { ...checkMeterProfileFile(file), model: 'as checked by the build' } };
    writeFileSync(path.join(validatorsDir, CHECKED_PROFILES_FOLDER, 'eastron-sdm630.json'), JSON.stringify(checked));
    return { shippedDir, validatorsDir, file };
  }

  it('takes the checked profile while its file is the one the build read', () => {
    const { shippedDir, validatorsDir, file } = shippedCopy();
    assert.equal(checkedShippedProfile(file, validatorsDir, shippedDir)?.model, 'as checked by the build');
  });

  it('checks a profile whose file changed since (an installer\'s edit), and any profile when run from the sources or from elsewhere', () => {
    const { shippedDir, validatorsDir, file } = shippedCopy();
    assert.equal(checkedShippedProfile(file, undefined, shippedDir), undefined, 'sources: no built validators');
    assert.equal(checkedShippedProfile(file, validatorsDir, path.join(shippedDir, 'other')), undefined, 'a profile from another folder');
    utimesSync(file, new Date(), new Date(Date.now() + 10_000));
    assert.equal(checkedShippedProfile(file, validatorsDir, shippedDir), undefined, 'edited');
  });

  it('the build checked every shipped profile to what checking it now gives (defaults included)', function () {
    const dir = path.join(packageRoot, 'dist', 'validators', CHECKED_PROFILES_FOLDER);
    if (!existsSync(dir)) this.skip();
    for (const name of shippedProfileNames()) {
      const checked = JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8')) as CheckedProfile;
      assert.deepEqual(checked.profile, checkMeterProfileFile(resolveProfilePath(name)), name);
      assert.equal(checked.source.size, statSync(resolveProfilePath(name)).size, name);
    }
  });
});
