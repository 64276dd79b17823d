import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restRoutes, transcodedServices } from '../src/index.js';
import { templatePattern } from '../src/rest-routes.js';

test("the protos' google.api.http routes, each path with every method it takes (DESIGN.md's table)", () => {
  const routes = restRoutes(transcodedServices.map(({ service }) => service));
  const table = Object.fromEntries(routes.map(({ template, methods }) => [template, [...methods].sort().join(' ')]));
  assert.deepEqual(table, {
    '/v1/users/{user_id}/home': 'GET',
    '/v1/defenses': 'GET PUT',
    '/v1/users/{id}': 'GET',
    '/v1/users': 'GET POST',
    '/v1/users:watch': 'GET',
    '/v1/users:batchCreate': 'POST',
    '/v1/users/{user_id}/recommendations': 'GET',
    '/v1/fault': 'DELETE GET PUT',
  });
});

test('a template matches its paths only: a variable is one segment, literals are literal', () => {
  const matches = (template: string, path: string) => new RegExp(templatePattern(template)).test(path);
  assert.ok(matches('/v1/users/{id}', '/v1/users/42'));
  assert.ok(!matches('/v1/users/{id}', '/v1/users/42/home'));
  assert.ok(!matches('/v1/users/{id}', '/v1/users'));
  assert.ok(matches('/v1/users:watch', '/v1/users:watch'));
  assert.ok(!matches('/v1/users:watch', '/v1/usersXwatch'));
  assert.ok(matches('/v1/users/{user_id}/home', '/v1/users/7/home'));
});
