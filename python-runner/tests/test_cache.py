import pickle
import unittest

import support  # noqa: F401  (puts plugin_runner on sys.path)
from support import make_api

from plugin_runner.cache import (SWEEP_INTERVAL_S, TEST_DEFAULT_TTL_S, CacheStore, Namespace,
                                 dumps)


class Clock:
    def __init__(self, now=1_700_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


def make_cache(clock=None, mono=None, **kwargs):
    clock = clock or Clock()
    store = CacheStore(clock=clock, monotonic=mono or Clock(0.0))
    api, ctx, conn = make_api(cache_store=store, **kwargs)
    return api.cache, store, conn, clock


class LocalCacheTest(unittest.TestCase):
    def test_put_get_and_default(self):
        cache, *_ = make_cache()
        cache.put("k", "v")
        self.assertEqual(cache.get("k"), "v")
        self.assertIsNone(cache.get("missing"))
        self.assertEqual(cache.get("missing", "dflt"), "dflt")
        self.assertEqual(cache.get("missing", default=0), 0)

    def test_ttl_expiry_removes_on_read(self):
        cache, store, _, clock = make_cache()
        cache.put("k", 1, ttl=1.0)
        clock.now += 0.5
        self.assertEqual(cache.get("k"), 1)
        clock.now += 1.0
        self.assertIsNone(cache.get("k"))
        self.assertNotIn("k", store.local.entries)

    def test_zero_ttl_expires_at_once(self):
        cache, *_ = make_cache()
        cache.put("k", 1, ttl=0)
        self.assertIsNone(cache.get("k"))

    def test_by_reference(self):
        cache, *_ = make_cache()
        items = [1, 2]
        cache.put("list", items)
        items.append(3)
        got = cache.get("list")
        self.assertIs(got, items)
        got.append(4)
        self.assertEqual(cache.get("list"), [1, 2, 3, 4])

    def test_nested_types_survive(self):
        cache, *_ = make_cache()
        cache.put("nested", {"a": {"b": [1, 2]}})
        value = cache.get("nested")
        self.assertEqual((type(value), type(value["a"]), type(value["a"]["b"])),
                         (dict, dict, list))

    def test_delete_returns_bool(self):
        cache, *_ = make_cache()
        cache.put("k", 1)
        self.assertTrue(cache.delete("k"))
        self.assertIsNone(cache.get("k"))
        self.assertFalse(cache.delete("k"))
        self.assertFalse(cache.delete("never"))

    def test_bad_ttls(self):
        cache, *_ = make_cache()
        for ttl, message in ((-1, "value is negative"), (float("nan"), "too big or NaN"),
                             (float("inf"), "too big or NaN"), (1e30, "too big or NaN"),
                             (1e10, "too big or NaN")):
            with self.subTest(ttl=ttl):
                with self.assertRaises(ValueError) as cm:
                    cache.put("k", 1, ttl=ttl)
                self.assertIn(message, str(cm.exception))
        with self.assertRaises(TypeError):
            cache.put("k", 1, ttl="10")
        cache.put("k", 1, ttl=5)  # ints are fine

    def test_key_and_flag_types(self):
        cache, *_ = make_cache()
        with self.assertRaises(TypeError):
            cache.put(1, "v")
        with self.assertRaises(TypeError):
            cache.get("k", use_global=1)

    def test_public_surface(self):
        cache, *_ = make_cache()
        self.assertEqual({n for n in dir(cache) if not n.startswith("__")},
                         {"put", "get", "delete"})

    def test_sweep_at_most_every_ten_seconds(self):
        mono = Clock(0.0)
        clock = Clock()
        store = CacheStore(clock=clock, monotonic=mono)
        store.local.put("short", 1, 1.0)
        clock.now += 5
        mono.now += SWEEP_INTERVAL_S - 1
        store.maybe_sweep()
        self.assertIn("short", store.local.entries)
        mono.now += 1
        store.maybe_sweep()
        self.assertNotIn("short", store.local.entries)

    def test_test_namespaces_default_ttl_and_separation(self):
        clock = Clock()
        store = CacheStore(clock=clock, monotonic=Clock(0.0))
        api, *_ = make_api(cache_store=store, cache_name="t1")
        api.cache.put("k", "test")
        self.assertEqual(store.tests["t1"].entries["k"][1], clock.now + TEST_DEFAULT_TTL_S)
        self.assertNotIn("k", store.local.entries)
        clock.now += TEST_DEFAULT_TTL_S
        self.assertIsNone(api.cache.get("k"))


class GlobalCacheTest(unittest.TestCase):
    def test_global_ops_go_to_the_host_pickled(self):
        stored = {}

        def answer(method, params):
            if method == "cache_put":
                stored[params["key"]] = params["value"]
                return {}
            if method == "cache_get":
                if params["key"] in stored:
                    return {"found": True, "value": stored[params["key"]]}
                return {"found": False, "value": None}
            if method == "cache_delete":
                return {"deleted": stored.pop(params["key"], None) is not None}
            raise AssertionError(method)

        api, ctx, conn = make_api(answer=answer)
        api.cache.put("g", {"n": [1]}, use_global=True)
        self.assertEqual(pickle.loads(stored["g"]), {"n": [1]})
        self.assertIsNone(api.cache.get("g"))  # local and global are separate
        self.assertEqual(api.cache.get("g", use_global=True), {"n": [1]})
        self.assertTrue(api.cache.delete("g", use_global=True))
        self.assertFalse(api.cache.delete("g", use_global=True))
        self.assertEqual(api.cache.get("g", "d", use_global=True), "d")
        method, params = conn.requests[0]
        self.assertEqual(method, "cache_put")
        self.assertEqual({k: params[k] for k in ("key", "ttl", "cache_name", "call_id")},
                         {"key": "g", "ttl": None, "cache_name": None, "call_id": 7})

    def test_test_mode_global_carries_cache_name_and_default_ttl(self):
        api, ctx, conn = make_api(cache_name="shared_test_cache")
        api.cache.put("g", 1, use_global=True)
        _, params = conn.requests[0]
        self.assertEqual((params["cache_name"], params["ttl"]),
                         ("shared_test_cache", TEST_DEFAULT_TTL_S))


class PersistenceTest(unittest.TestCase):
    def test_changes_are_collected_once(self):
        clock = Clock()
        ns = Namespace(clock=clock)
        ns.put("a", [1], None)
        ns.put("b", 2, 10.0)
        changes = ns.collect_changes()
        self.assertEqual(set(changes["set"]), {"a", "b"})
        self.assertEqual(pickle.loads(changes["set"]["a"]["value"]), [1])
        self.assertEqual(changes["set"]["b"]["expires_at"], clock.now + 10.0)
        self.assertIsNone(changes["cache_name"])
        self.assertIsNone(ns.collect_changes())  # nothing new

    def test_in_place_mutation_after_get_is_detected(self):
        ns = Namespace(clock=Clock())
        ns.put("a", [1], None)
        ns.collect_changes()
        found, value = ns.get("a")
        value.append(2)
        changes = ns.collect_changes()
        self.assertEqual(pickle.loads(changes["set"]["a"]["value"]), [1, 2])
        ns.get("a")  # read without change
        self.assertIsNone(ns.collect_changes())

    def test_deletes_and_expiry(self):
        clock = Clock()
        ns = Namespace(clock=clock)
        ns.put("a", 1, None)
        ns.put("b", 1, 1.0)
        ns.put("never_shipped", 1, None)
        ns.collect_changes()
        ns.delete("a")
        clock.now += 2
        ns.get("b")
        ns.put("tmp", 1, None)
        ns.delete("tmp")
        changes = ns.collect_changes()
        self.assertEqual(changes["deleted"], ["a", "b"])
        self.assertEqual(changes["set"], {})

    def test_unpicklable_values_stay_local(self):
        ns = Namespace(clock=Clock())
        ns.put("lock", __import__("threading").Lock(), None)
        changes = ns.collect_changes()
        self.assertEqual(changes["unpicklable"], ["lock"])
        self.assertEqual(changes["set"], {})
        self.assertIn("lock", ns.entries)

    def test_restore_snapshot(self):
        clock = Clock()
        ns = Namespace(clock=clock)
        failed = ns.restore({
            "a": {"value": dumps({"x": 1}), "expires_at": None},
            "old": {"value": dumps(1), "expires_at": clock.now - 1},
            "bad": {"value": b"not a pickle", "expires_at": None},
        })
        self.assertEqual(failed, ["bad"])
        self.assertEqual(ns.get("a"), (True, {"x": 1}))
        self.assertEqual(ns.get("old"), (False, None))
        self.assertIsNone(ns.collect_changes())  # reading restored state changes nothing

    def test_persistence_off(self):
        ns = Namespace(clock=Clock(), persist=False)
        ns.put("a", 1, None)
        self.assertIsNone(ns.collect_changes())


if __name__ == "__main__":
    unittest.main()
