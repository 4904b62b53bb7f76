import { expect } from 'chai';
import { engineHash, engineHref, parseEngineRoute } from '../src/engine-route.js';

describe('console/engine-route: the engine page\'s hash routes', () => {
  it('reads the list, the create form and a trigger\'s page', () => {
    expect(parseEngineRoute('')).to.deep.equal({ kind: 'list' });
    expect(parseEngineRoute('#/')).to.deep.equal({ kind: 'list' });
    expect(parseEngineRoute('#/new')).to.deep.equal({ kind: 'new' });
    expect(parseEngineRoute('#/plant/failing')).to.deep.equal({ kind: 'trigger', db: 'plant', name: 'failing' });
    expect(parseEngineRoute('#/a/b/c')).to.deep.equal({ kind: 'list' });
    expect(parseEngineRoute('#/a/%E0%A4%A')).to.deep.equal({ kind: 'list' });
  });

  it('writes hashes that read back to the same route, odd names included', () => {
    const route = { kind: 'trigger' as const, db: 'my db', name: 'a/b.c' };
    expect(engineHash(route)).to.equal('#/my%20db/a%2Fb.c');
    expect(parseEngineRoute(engineHash(route))).to.deep.equal(route);
    expect(engineHash({ kind: 'new' })).to.equal('#/new');
    expect(engineHash({ kind: 'list' })).to.equal('#/');
    expect(engineHref({ kind: 'trigger', db: 'plant', name: 'x' })).to.equal('/ui/engine#/plant/x');
  });
});
