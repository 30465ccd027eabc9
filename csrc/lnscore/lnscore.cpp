// The compiled core of the group moves: a ruin-and-recreate search over linked groups (ahs_routing.solve.fastlns).
//
// Everything is flat integer arrays in seconds; the Python adapter builds them from a Problem and turns the
// result back into routes through schedule.timing. Model (docs/SEARCH.md, "The compiled core"):
// - a route is a sequence of visits; each of the staff member's breaks sits in a slot 2g (before leaving
//   for node g, at the previous place) or 2g+1 (at node g's door), node n being the trip home;
// - a visit starts at the first moment of its ranges from its arrival; a held stop (team copy, `after`
//   member) starts at its fixed moment and must be reached by then;
// - per route, forward departures and backward latest arrivals make an insertion test O(1) (plus the
//   breaks of the gap) and exact; travel is priced in O(1), overtime and lateness by a forward pass of the
//   suffix that stops where the old times come back.
// Work is a count of screened positions and of nodes timed; the budget, the acceptance schedule and the
// random numbers depend on it and on the seed only, never on the clock.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace py = pybind11;
using i64 = long long;

namespace {

constexpr i64 NEVER = (i64)1 << 40;
constexpr i64 NONE = -((i64)1 << 40);

// Tuning (development set: Mankowska). Names as in solve/lns.py where they mean the same.
constexpr double SCORES[3] = {33.0, 9.0, 13.0};
constexpr double REACTION = 0.1;
constexpr int SEGMENT = 100;
constexpr double RUIN_SHARE_LOW = 0.05, RUIN_SHARE_HIGH = 0.3;
constexpr int STALL = 400;
constexpr double DEVIATION = 0.01;
constexpr int ANCHORS = 3;
constexpr int EXACT = 4;          // positions priced exactly per copy, cheapest estimate first
constexpr double BLINK = 0.01;    // SISR blinks: a screened position is skipped with this chance
constexpr int STRING_MAX = 10;

struct Rng {
    std::mt19937_64 g;
    explicit Rng(uint64_t seed) : g(seed) {}
    double uniform() { return (double)(g() >> 11) * (1.0 / 9007199254740992.0); }
    int below(int n) { return n <= 1 ? 0 : (int)(g() % (uint64_t)n); }
    int between(int lo, int hi) { return lo + below(hi - lo + 1); }
};

struct Route {
    std::vector<int> visits;
    std::vector<i64> fixed;   // per stop: held start, or NONE
    std::vector<int> slot;    // per break of the staff member (window order), non-decreasing
    // Derived by evaluate():
    std::vector<i64> start, dep, arrive;   // per visit; arrive = at the door before door breaks
    std::vector<i64> lr, lad, ll;          // per node 0..n: latest ready at door, latest door arrival, latest leave
    std::vector<i64> prefix_late;          // late of visits before node g (size n+1)
    std::vector<i64> brk_start;            // per break
    i64 travel = 0, end = 0, late = 0, price = 0;
    double load = 0;
    bool feasible = true;
};

struct Candidate {
    i64 estimate;
    int route, gap, option;  // option 0: the gap's breaks go before the visit, 1: after it
    i64 start;
    bool operator<(const Candidate& o) const {
        return std::tie(estimate, route, gap, option) < std::tie(o.estimate, o.route, o.gap, o.option);
    }
};

struct Choice {
    bool found = false;
    i64 price = 0, start = 0;
    int route = -1, gap = 0, option = 0;
};

using Ranges = std::vector<std::pair<i64, i64>>;

Ranges intersect(const Ranges& a, const Ranges& b) {
    Ranges out;
    for (auto& x : a)
        for (auto& y : b) {
            i64 lo = std::max(x.first, y.first), hi = std::min(x.second, y.second);
            if (lo <= hi) out.emplace_back(lo, hi);
        }
    std::sort(out.begin(), out.end());
    return out;
}

i64 first_from(const Ranges& r, i64 t) {
    for (auto& x : r)
        if (t <= x.second) return std::max(t, x.first);
    return NONE;
}

i64 last_until(const Ranges& r, i64 t) {
    i64 best = NONE;
    for (auto& x : r)
        if (x.first <= t) best = std::min(x.second, t);
    return best;
}

class Search {
   public:
    Search(int n_places, std::vector<i64> travel,
           // visits
           std::vector<int> v_place, std::vector<i64> v_service, std::vector<int> v_range_off,
           std::vector<i64> v_range_lo, std::vector<i64> v_range_hi, std::vector<i64> v_due, std::vector<int> v_class,
           std::vector<int> v_count, std::vector<int> v_held, std::vector<double> v_demand,
           std::vector<int> v_allowed_off, std::vector<int> v_allowed, std::vector<int> v_partner,
           std::vector<i64> v_min_gap, std::vector<i64> v_max_gap,
           // groups
           std::vector<int> g_off, std::vector<int> g_members,
           // staff
           std::vector<i64> s_start, std::vector<i64> s_end, std::vector<i64> s_latest, std::vector<int> s_from,
           std::vector<int> s_to, std::vector<i64> s_max_travel, std::vector<double> s_capacity,
           std::vector<int> s_break_off, std::vector<i64> b_earliest, std::vector<i64> b_latest_end,
           std::vector<i64> b_duration,
           // objective and search
           int n_classes, i64 overtime_weight, i64 lateness_weight, uint64_t seed, i64 iterations, i64 work_budget)
        : np_(n_places), T_(std::move(travel)), vplace_(std::move(v_place)), vsvc_(std::move(v_service)),
          vdue_(std::move(v_due)), vclass_(std::move(v_class)), vcount_(std::move(v_count)),
          vheld_(std::move(v_held)), vdemand_(std::move(v_demand)), vpartner_(std::move(v_partner)),
          vmin_(std::move(v_min_gap)), vmax_(std::move(v_max_gap)), sstart_(std::move(s_start)),
          send_(std::move(s_end)), slatest_(std::move(s_latest)), sfrom_(std::move(s_from)), sto_(std::move(s_to)),
          smaxtravel_(std::move(s_max_travel)), scap_(std::move(s_capacity)), ncls_(n_classes),
          ow_(overtime_weight), lw_(lateness_weight), rng_(seed), iterations_(iterations),
          work_budget_(work_budget) {
        nv_ = (int)vplace_.size();
        ns_ = (int)sstart_.size();
        if ((i64)T_.size() != (i64)np_ * np_) throw std::invalid_argument("travel matrix size");
        ranges_.resize(nv_);
        allowed_.resize(nv_);
        for (int v = 0; v < nv_; ++v) {
            for (int k = v_range_off[v]; k < v_range_off[v + 1]; ++k) ranges_[v].emplace_back(v_range_lo[k], v_range_hi[k]);
            for (int k = v_allowed_off[v]; k < v_allowed_off[v + 1]; ++k) allowed_[v].push_back(v_allowed[k]);
        }
        breaks_.resize(ns_);
        for (int s = 0; s < ns_; ++s)
            for (int k = s_break_off[s]; k < s_break_off[s + 1]; ++k)
                breaks_[s].push_back({b_earliest[k], std::min(b_latest_end[k], slatest_[s]), b_duration[k]});
        group_of_.assign(nv_, -1);
        for (size_t g = 0; g + 1 < g_off.size(); ++g) {
            std::vector<int> m(g_members.begin() + g_off[g], g_members.begin() + g_off[g + 1]);
            int copies = 0;
            for (int v : m) group_of_[v] = (int)g, copies += vcount_[v];
            groups_.push_back(m);
            gcopies_.push_back(copies);
            i64 width = NEVER;
            for (int v : m) {
                i64 w = 0;
                for (auto& r : ranges_[v]) w += r.second - r.first;
                if (!ranges_[v].empty()) width = std::min(width, w);
            }
            gwidth_.push_back(width);
        }
        ng_ = (int)groups_.size();
        routes_.resize(ns_);
        for (int s = 0; s < ns_; ++s) routes_[s].slot.assign(breaks_[s].size(), 0);
        stamp_.assign(ns_, 0);
        wruin_.assign(6, 1.0);
        wrec_.assign(3, 1.0);
        sruin_.assign(6, 0.0);
        srec_.assign(3, 0.0);
        uruin_.assign(6, 0);
        urec_.assign(3, 0);
        for (int s = 0; s < ns_; ++s) evaluate(routes_[s], s);  // every route timed, empty ones too
    }

    // Loads one staff member's route: visits with starts (held ones keep theirs) and breaks as (start, end).
    // Returns false when the route cannot be written in this model.
    bool set_route(int s, const std::vector<int>& visits, const std::vector<i64>& starts,
                   const std::vector<i64>& break_starts) {
        Route& r = routes_[s];
        r.visits = visits;
        r.fixed.assign(visits.size(), NONE);
        for (size_t i = 0; i < visits.size(); ++i)
            if (vheld_[visits[i]]) r.fixed[i] = starts[i];
        int n = (int)visits.size();
        // A break's slot: the door of the first stop that starts after it, else after the trip home.
        for (size_t k = 0; k < breaks_[s].size(); ++k) {
            i64 bs = k < break_starts.size() ? break_starts[k] : 0;
            int g = 0;
            while (g < n && starts[g] < bs) ++g;
            r.slot[k] = 2 * g + 1;
        }
        for (size_t k = 1; k < r.slot.size(); ++k) r.slot[k] = std::max(r.slot[k], r.slot[k - 1]);
        evaluate(r, s);
        if (!r.feasible) every_break_placement(s);
        if (!r.feasible) improve_breaks(s);
        return r.feasible;
    }

    // Tries every placement of a route's breaks (non-decreasing slots, as schedule.timing.best_timing does) and
    // keeps the cheapest feasible one; for at most three breaks (more: the route stays as it is).
    void every_break_placement(int s) {
        Route& r = routes_[s];
        int nb = (int)breaks_[s].size();
        if (nb == 0 || nb > 3 || r.visits.empty()) return;
        int top = 2 * (int)r.visits.size() + 1;
        std::vector<int> slot(nb, 0), keep;
        i64 best_price = NONE;
        while (true) {
            r.slot = slot;
            evaluate(r, s);
            if (r.feasible && (best_price == NONE || r.price < best_price)) best_price = r.price, keep = slot;
            int k = nb - 1;  // next non-decreasing vector
            while (k >= 0 && slot[k] == top) --k;
            if (k < 0) break;
            ++slot[k];
            for (int j = k + 1; j < nb; ++j) slot[j] = slot[k];
        }
        if (best_price != NONE) r.slot = keep;
        evaluate(r, s);
    }

    void start() {
        served_.assign(ng_, 0);
        std::vector<int> count(nv_, 0);
        for (auto& r : routes_)
            for (int v : r.visits) count[v]++;
        for (int g = 0; g < ng_; ++g) {
            bool whole = true;
            for (int v : groups_[g]) whole &= count[v] == vcount_[v];
            served_[g] = whole;
        }
        current_ = key();
        best_key_ = current_;
        best_ = routes_;
        started_ = true;
        work_ = 0;  // the search's work: loading the routes is not counted
    }

    // Runs iterations until `max_iterations` more are done, the work budget is spent, patience (< 0: none)
    // runs out or `seconds` from now pass (<= 0: no clock). Returns why it stopped ("chunk": the
    // `max_iterations` are done and the search may go on with another call).
    std::string run(i64 max_iterations, i64 patience, double seconds) {
        if (!started_) start();
        double deadline = seconds > 0 ? now() + seconds : 0;
        i64 until = iteration_ + max_iterations;
        while (true) {
            if (iteration_ >= iterations_) return "iterations";
            if (work_budget_ >= 0 && work_ >= work_budget_) return "work";
            if (patience >= 0 && since_best_ >= patience) return "converged";
            if (iteration_ >= until) return "chunk";
            if (deadline > 0 && now() > deadline) return "time_limit";
            iterate();
        }
    }

    static double now() {
        return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    }

    // The best plan: per staff member with stops, (staff, visits, starts, break starts, break ends).
    std::vector<std::tuple<int, std::vector<int>, std::vector<i64>, std::vector<i64>, std::vector<i64>>> best()
        const {
        std::vector<std::tuple<int, std::vector<int>, std::vector<i64>, std::vector<i64>, std::vector<i64>>> out;
        for (int s = 0; s < ns_; ++s) {
            const Route& r = best_[s];
            if (r.visits.empty()) continue;
            std::vector<i64> ends;
            for (size_t k = 0; k < breaks_[s].size(); ++k) ends.push_back(r.brk_start[k] + breaks_[s][k].duration);
            out.emplace_back(s, r.visits, r.start, r.brk_start, ends);
        }
        return out;
    }

    i64 best_price() const { return best_key_.second; }
    std::vector<i64> best_missing() const { return best_key_.first; }
    i64 iterations_done() const { return iteration_; }
    i64 work() const { return work_; }
    i64 new_bests() const { return new_bests_; }
    i64 since_best() const { return since_best_; }

   private:
    struct Brk {
        i64 earliest, latest_end, duration;
    };
    using Key = std::pair<std::vector<i64>, i64>;

    int np_, nv_ = 0, ns_ = 0, ng_ = 0;
    std::vector<i64> T_;
    std::vector<int> vplace_;
    std::vector<i64> vsvc_, vdue_;
    std::vector<int> vclass_, vcount_, vheld_;
    std::vector<double> vdemand_;
    std::vector<int> vpartner_;
    std::vector<i64> vmin_, vmax_;
    std::vector<i64> sstart_, send_, slatest_;
    std::vector<int> sfrom_, sto_;
    std::vector<i64> smaxtravel_;
    std::vector<double> scap_;
    int ncls_;
    i64 ow_, lw_;
    Rng rng_;
    i64 iterations_, work_budget_;

    std::vector<Ranges> ranges_;
    std::vector<std::vector<int>> allowed_;
    std::vector<std::vector<Brk>> breaks_;
    std::vector<std::vector<int>> groups_;
    std::vector<int> group_of_, gcopies_;
    std::vector<i64> gwidth_;

    std::vector<Route> routes_, best_;
    std::vector<char> served_;
    Key current_, best_key_;
    bool started_ = false;
    i64 iteration_ = 0, work_ = 0, since_best_ = 0, new_bests_ = 0;
    double share_ = RUIN_SHARE_LOW;
    std::vector<double> wruin_, wrec_, sruin_, srec_;
    std::vector<int> uruin_, urec_;

    // Undo: routes saved on their first change in this iteration.
    std::vector<std::pair<int, Route>> saved_;
    std::vector<i64> stamp_;
    i64 tick_ = 0;
    Route scratch_;

    i64 tt(int a, int b) const { return T_[(size_t)a * np_ + b]; }
    int place_of(const Route& r, int s, int g) const {  // place of node g (n: the end place)
        return g < (int)r.visits.size() ? vplace_[r.visits[g]] : sto_[s];
    }
    int place_before(const Route& r, int s, int g) const { return g == 0 ? sfrom_[s] : vplace_[r.visits[g - 1]]; }
    i64 ready_before(const Route& r, int s, int g) const { return g == 0 ? sstart_[s] : r.dep[g - 1]; }
    Ranges visit_ranges(int v) const { return ranges_[v].empty() ? Ranges{{0, NEVER}} : ranges_[v]; }

    i64 late_of(int v, i64 start) const { return vdue_[v] >= 0 ? std::max<i64>(0, start - vdue_[v]) : 0; }

    i64 price_of(const Route& r, int s) const {
        if (r.visits.empty()) return 0;
        return r.travel + ow_ * std::max<i64>(0, r.end - send_[s]) + lw_ * r.late;
    }

    // Takes one break from `t` (the moment it can begin): the moment it ends, or NONE.
    i64 take(const Brk& b, i64 t) const {
        i64 bs = std::max(t, b.earliest);
        return bs + b.duration > b.latest_end ? NONE : bs + b.duration;
    }
    // The latest moment a break can be started from so that it ends by `bound`, or NONE.
    i64 latest_take(const Brk& b, i64 bound) const {
        i64 x = std::min(bound, b.latest_end) - b.duration;
        return x < b.earliest ? NONE : x;
    }

    // Times a route: forward starts and departures, backward latest arrivals, price and feasibility.
    void evaluate(Route& r, int s) {
        int n = (int)r.visits.size();
        const auto& br = breaks_[s];
        int nb = (int)br.size();
        r.start.assign(n, 0);
        r.dep.assign(n, 0);
        r.arrive.assign(n + 1, 0);
        r.lr.assign(n + 1, NONE);
        r.lad.assign(n + 1, NONE);
        r.ll.assign(n + 1, NONE);
        r.prefix_late.assign(n + 1, 0);
        r.brk_start.assign(nb, 0);
        r.feasible = true;
        r.travel = 0;
        r.late = 0;
        r.load = 0;
        work_ += n + 1;
        i64 t = sstart_[s];
        int k = 0;
        int here = sfrom_[s];
        for (int g = 0; g <= n; ++g) {
            int there = place_of(r, s, g);
            for (; k < nb && r.slot[k] == 2 * g; ++k) {
                i64 e = take(br[k], t);
                if (e == NONE) r.feasible = false, e = std::max(t, br[k].earliest) + br[k].duration;
                r.brk_start[k] = e - br[k].duration;
                t = e;
            }
            i64 leg = tt(here, there);
            if (n > 0) r.travel += leg;
            t += leg;
            r.arrive[g] = t;
            for (; k < nb && r.slot[k] == 2 * g + 1; ++k) {
                i64 e = take(br[k], t);
                if (e == NONE) r.feasible = false, e = std::max(t, br[k].earliest) + br[k].duration;
                r.brk_start[k] = e - br[k].duration;
                t = e;
            }
            if (g < n) {
                int v = r.visits[g];
                i64 st;
                if (r.fixed[g] != NONE) {
                    st = r.fixed[g];
                    if (t > st) r.feasible = false;
                } else {
                    st = first_from(visit_ranges(v), t);
                    if (st == NONE) r.feasible = false, st = t;
                }
                r.start[g] = st;
                r.dep[g] = st + vsvc_[v];
                r.prefix_late[g + 1] = r.prefix_late[g] + late_of(v, st);
                r.load += vdemand_[v];
                t = r.dep[g];
                here = there;
            }
        }
        r.end = t;
        r.late = r.prefix_late[n];
        if (n == 0) r.feasible = true;  // a staff member with no stops takes no breaks and drives nowhere
        if (n > 0 && t > slatest_[s]) r.feasible = false;
        if (n > 0 && smaxtravel_[s] >= 0 && r.travel > smaxtravel_[s]) r.feasible = false;
        if (n > 0 && scap_[s] >= 0 && r.load > scap_[s] + 1e-9) r.feasible = false;
        // Backward: latest moments that keep the rest of the route feasible.
        i64 bound = slatest_[s];  // latest time after node g's own processing
        k = nb - 1;
        for (int g = n; g >= 0; --g) {
            i64 lr;
            if (g == n) {
                lr = bound;
            } else {
                int v = r.visits[g];
                i64 latest_start = bound - vsvc_[v];
                if (r.fixed[g] != NONE)
                    lr = r.fixed[g] <= latest_start ? r.fixed[g] : NONE;
                else
                    lr = last_until(visit_ranges(v), latest_start);
                if (lr == NONE) lr = NONE;
            }
            r.lr[g] = lr;
            i64 cur = lr;
            for (; k >= 0 && r.slot[k] == 2 * g + 1; --k) cur = cur == NONE ? NONE : latest_take(br[k], cur);
            r.lad[g] = cur;
            cur = cur == NONE ? NONE : cur - tt(place_before(r, s, g), place_of(r, s, g));
            for (; k >= 0 && r.slot[k] == 2 * g; --k) cur = cur == NONE ? NONE : latest_take(br[k], cur);
            r.ll[g] = cur;
            bound = cur == NONE ? NONE : cur;
            if (bound == NONE) {
                for (int h = g - 1; h >= 0; --h) r.lr[h] = r.lad[h] = r.ll[h] = NONE;
                break;
            }
        }
        r.price = price_of(r, s);
    }

    void save(int s) {
        if (stamp_[s] != tick_) {
            stamp_[s] = tick_;
            saved_.emplace_back(s, routes_[s]);
        }
    }

    // Screens inserting visit v at gap g of route s with the gap's breaks before (option 0) or after (1) it.
    // Returns the visit's start, or NONE when it does not fit. O(1) plus the gap's breaks.
    i64 screen(int s, int g, int option, int v, const Ranges& allowed) {
        const Route& r = routes_[s];
        const auto& br = breaks_[s];
        int nb = (int)br.size();
        int k0 = 0;
        while (k0 < nb && r.slot[k0] < 2 * g) ++k0;
        int k1 = k0;
        while (k1 < nb && r.slot[k1] <= 2 * g + 1) ++k1;
        if (option == 1 && k0 == k1) return NONE;  // the same as option 0
        i64 t = ready_before(r, s, g);
        int prev = place_before(r, s, g), pv = vplace_[v], next = place_of(r, s, g);
        int k = k0;
        if (option == 0) {
            for (; k < k1 && r.slot[k] == 2 * g; ++k)
                if ((t = take(br[k], t)) == NONE) return NONE;
        }
        t += tt(prev, pv);
        if (option == 0) {
            for (; k < k1; ++k)
                if ((t = take(br[k], t)) == NONE) return NONE;
        }
        i64 st = first_from(allowed, t);
        if (st == NONE) return NONE;
        t = st + vsvc_[v];
        if (option == 0) {
            t += tt(pv, next);
            return t <= r.lr[g] ? st : NONE;
        }
        for (k = k0; k < k1 && r.slot[k] == 2 * g; ++k)
            if ((t = take(br[k], t)) == NONE) return NONE;
        t += tt(pv, next);
        return t <= r.lad[g] ? st : NONE;
    }

    // Builds in scratch_ the route s with v inserted at gap g (option as in screen), v held at `fixed`.
    void build_inserted(int s, int g, int option, int v, i64 fixed) {
        const Route& r = routes_[s];
        Route& x = scratch_;
        x.visits = r.visits;
        x.fixed = r.fixed;
        x.slot = r.slot;
        x.visits.insert(x.visits.begin() + g, v);
        x.fixed.insert(x.fixed.begin() + g, fixed);
        int edge = option == 0 ? 2 * g + 2 : 2 * g;
        for (int& sl : x.slot)
            if (sl >= edge) sl += 2;
    }

    // The exact price change of an insertion: a forward pass over the suffix, stopping where the old times
    // come back. NONE when infeasible (it cannot be after a passed screen, but breaks are checked again).
    i64 exact(int s, int g, int option, int v, const Ranges& allowed) {
        const Route& r = routes_[s];
        const auto& br = breaks_[s];
        int n = (int)r.visits.size(), nb = (int)br.size();
        int k = 0;
        while (k < nb && r.slot[k] < 2 * g) ++k;
        // Nodes of the new route: gap g holds v; old node j (j >= g) is new node j+1.
        auto new_slot = [&](int kk) {
            int sl = r.slot[kk];
            int edge = option == 0 ? 2 * g + 2 : 2 * g;
            return sl >= edge ? sl + 2 : sl;
        };
        i64 t = ready_before(r, s, g);
        int here = place_before(r, s, g);
        i64 late = r.prefix_late[g];
        i64 travel = r.travel - (n > 0 ? tt(here, place_of(r, s, g)) : 0);
        for (int j = g; j <= n + 1; ++j) {  // new node index j
            work_ += 1;
            int there = j == g ? vplace_[v] : place_of(r, s, j - 1);
            for (; k < nb && new_slot(k) == 2 * j; ++k)
                if ((t = take(br[k], t)) == NONE) return NONE;
            t += tt(here, there);
            if (j <= g + 1) travel += tt(here, there);
            for (; k < nb && new_slot(k) == 2 * j + 1; ++k)
                if ((t = take(br[k], t)) == NONE) return NONE;
            if (j == n + 1) break;
            i64 st;
            if (j == g) {
                st = first_from(allowed, t);
            } else {
                int old = j - 1;
                int w = r.visits[old];
                if (r.fixed[old] != NONE)
                    st = t <= r.fixed[old] ? r.fixed[old] : NONE;
                else
                    st = first_from(visit_ranges(w), t);
                if (st == r.start[old] && j > g + 1) {
                    // From here on the route is as it was.
                    late += r.late - r.prefix_late[old];
                    t = r.end;
                    goto done;
                }
            }
            if (st == NONE) return NONE;
            {
                int w = j == g ? v : r.visits[j - 1];
                late += late_of(w, st);
                t = st + vsvc_[w];
            }
            here = there;
        }
    done:
        if (t > slatest_[s]) return NONE;
        if (smaxtravel_[s] >= 0 && travel > smaxtravel_[s]) return NONE;
        if (scap_[s] >= 0 && r.load + vdemand_[v] > scap_[s] + 1e-9) return NONE;
        i64 now_price = travel + ow_ * std::max<i64>(0, t - send_[s]) + lw_ * late;
        return now_price - r.price;
    }

    // The cheapest insertion of a copy of v on an allowed route not in `used`, starting within `allowed`.
    Choice cheapest(int v, const Ranges& allowed, const std::vector<int>& used, bool blink,
                    std::vector<Candidate>* all = nullptr) {
        std::vector<Candidate> found;
        for (int s : allowed_[v]) {
            if (std::find(used.begin(), used.end(), s) != used.end()) continue;
            const Route& r = routes_[s];
            if (!r.feasible) continue;
            if (scap_[s] >= 0 && r.load + vdemand_[v] > scap_[s] + 1e-9) continue;
            Ranges clipped = intersect(allowed, {{sstart_[s], slatest_[s]}});
            if (clipped.empty()) continue;
            int n = (int)r.visits.size();
            for (int g = 0; g <= n; ++g) {
                if (g < n && r.lr[g] == NONE) continue;
                for (int option = 0; option < 2; ++option) {
                    work_ += 1;
                    i64 st = screen(s, g, option, v, clipped);
                    if (st == NONE) continue;
                    if (blink && rng_.uniform() < BLINK) continue;
                    int prev = place_before(r, s, g), next = place_of(r, s, g), pv = vplace_[v];
                    i64 detour = tt(prev, pv) + tt(pv, next) - (n > 0 ? tt(prev, next) : 0);
                    found.push_back({detour + lw_ * late_of(v, st), s, g, option, st});
                }
            }
        }
        Choice best;
        if (found.empty()) return best;
        size_t top = std::min<size_t>(EXACT, found.size());
        std::partial_sort(found.begin(), found.begin() + top, found.end());
        for (size_t i = 0; i < top; ++i) {
            const Candidate& c = found[i];
            Ranges clipped = intersect(allowed, {{sstart_[c.route], slatest_[c.route]}});
            i64 p = exact(c.route, c.gap, c.option, v, clipped);
            if (p == NONE) continue;
            if (!best.found || p < best.price) best = {true, p, c.start, c.route, c.gap, c.option};
        }
        if (all != nullptr) *all = std::move(found);
        return best;
    }

    void insert(const Choice& c, int v) {
        save(c.route);
        build_inserted(c.route, c.gap, c.option, v, vheld_[v] ? c.start : NONE);
        Route& r = routes_[c.route];
        std::swap(r.visits, scratch_.visits);
        std::swap(r.fixed, scratch_.fixed);
        std::swap(r.slot, scratch_.slot);
        evaluate(r, c.route);
    }

    Ranges first_ranges(int g) const {
        const auto& m = groups_[g];
        Ranges rs = visit_ranges(m[0]);
        for (size_t i = 1; i < m.size(); ++i) {
            int f = m[i];
            if (vpartner_[f] != m[0] || ranges_[f].empty()) continue;
            Ranges allowed;
            for (auto& x : ranges_[f]) allowed.emplace_back(x.first - vmax_[f], x.second - vmin_[f]);
            rs = intersect(rs, allowed);
        }
        return rs;
    }

    // Puts a group back whole at its cheapest placement from a few anchor moments; false when none fits.
    bool place(int g, bool blink) {
        const auto& m = groups_[g];
        if (m.size() == 1 && vcount_[m[0]] == 1) {
            Choice c = cheapest(m[0], visit_ranges(m[0]), {}, blink);
            if (!c.found) return false;
            insert(c, m[0]);
            return true;
        }
        Ranges fr = first_ranges(g);
        if (fr.empty()) return false;
        std::vector<Candidate> all;
        cheapest(m[0], fr, {}, blink, &all);
        std::sort(all.begin(), all.end());
        std::vector<i64> anchors;
        for (auto& c : all) {
            if (std::find(anchors.begin(), anchors.end(), c.start) == anchors.end()) anchors.push_back(c.start);
            if ((int)anchors.size() == ANCHORS) break;
        }
        // Each anchor is tried on the routes as they are; the cheapest one is then made.
        size_t mark = saved_.size();
        i64 best_price = NONE;
        std::vector<std::pair<int, Route>> best_routes;
        for (i64 a : anchors) {
            std::vector<std::pair<int, Route>> before;  // routes as they were before this anchor
            std::vector<int> touched;
            i64 price = 0;
            bool ok = true;
            std::vector<i64> starts(m.size(), NONE);
            for (size_t i = 0; i < m.size() && ok; ++i) {
                int v = m[i];
                Ranges rs;
                if (i == 0) {
                    rs = {{a, a}};
                } else {
                    rs = visit_ranges(v);
                    int p = vpartner_[v];
                    auto at = std::find(m.begin(), m.end(), p);
                    if (p >= 0 && at != m.end()) {
                        i64 base = starts[at - m.begin()];
                        rs = intersect(rs, {{base + vmin_[v], base + vmax_[v]}});
                    }
                }
                std::vector<int> used;
                i64 moment = NONE;
                for (int c = 0; c < vcount_[v]; ++c) {
                    Ranges here = moment == NONE ? rs : Ranges{{moment, moment}};
                    Choice ch = cheapest(v, here, used, blink);
                    if (!ch.found) {
                        ok = false;
                        break;
                    }
                    if (std::find(touched.begin(), touched.end(), ch.route) == touched.end()) {
                        touched.push_back(ch.route);
                        before.emplace_back(ch.route, routes_[ch.route]);
                    }
                    price += ch.price;
                    moment = ch.start;
                    used.push_back(ch.route);
                    Choice fixed = ch;
                    insert(fixed, v);
                }
                starts[i] = moment;
            }
            if (ok && (best_price == NONE || price < best_price)) {
                best_price = price;
                best_routes.clear();
                for (int s : touched) best_routes.emplace_back(s, routes_[s]);
            }
            for (auto& b : before) routes_[b.first] = std::move(b.second);
        }
        (void)mark;
        if (best_price == NONE) return false;
        for (auto& b : best_routes) {
            save(b.first);
            routes_[b.first] = std::move(b.second);
        }
        return true;
    }

    // Tries each break of a route in each slot its neighbours allow; keeps the cheapest feasible timing.
    void improve_breaks(int s) {
        Route& r = routes_[s];
        int nb = (int)breaks_[s].size();
        if (nb == 0 || r.visits.empty()) return;
        int top = 2 * (int)r.visits.size() + 1;
        for (int k = 0; k < nb; ++k) {
            int lo = k > 0 ? r.slot[k - 1] : 0, hi = k + 1 < nb ? r.slot[k + 1] : top;
            int keep = r.slot[k];
            bool best_ok = r.feasible;
            i64 best_price = r.price;
            for (int sl = lo; sl <= hi; ++sl) {
                if (sl == keep) continue;
                r.slot[k] = sl;
                evaluate(r, s);
                if ((r.feasible && !best_ok) || (r.feasible == best_ok && r.price < best_price)) {
                    best_ok = r.feasible, best_price = r.price, keep = sl;
                }
            }
            r.slot[k] = keep;
            evaluate(r, s);
        }
    }

    void remove_visit(int s, int v) {
        Route& r = routes_[s];
        auto it = std::find(r.visits.begin(), r.visits.end(), v);
        if (it == r.visits.end()) return;
        save(s);
        int i = (int)(it - r.visits.begin());
        r.visits.erase(r.visits.begin() + i);
        r.fixed.erase(r.fixed.begin() + i);
        for (int& sl : r.slot) {
            if (sl >= 2 * i && sl <= 2 * i + 2) sl = 2 * i;
            else if (sl == 2 * i + 3) sl = 2 * i + 1;
            else if (sl > 2 * i + 3) sl -= 2;
        }
    }

    Key key() const {
        Key k{std::vector<i64>(ncls_, 0), 0};
        for (int g = 0; g < ng_; ++g)
            if (!served_[g])
                for (int v : groups_[g]) k.first[vclass_[v]] += vcount_[v];
        for (int s = 0; s < ns_; ++s) k.second += routes_[s].price;
        return k;
    }

    int pick(const std::vector<double>& w) {
        double total = std::accumulate(w.begin(), w.end(), 0.0), x = rng_.uniform() * total;
        for (size_t i = 0; i < w.size(); ++i) {
            if (x < w[i]) return (int)i;
            x -= w[i];
        }
        return (int)w.size() - 1;
    }

    void blend(std::vector<double>& w, std::vector<double>& sc, std::vector<int>& uses) {
        for (size_t i = 0; i < w.size(); ++i) {
            if (uses[i]) w[i] = std::max(0.05, (1 - REACTION) * w[i] + REACTION * sc[i] / uses[i]);
            sc[i] = 0, uses[i] = 0;
        }
    }

    // Ruin -----------------------------------------------------------------------------------------

    struct Where {
        std::vector<int> route_of_first;  // per group: a route of its first member's first copy (-1: none)
        std::vector<i64> start_of_first;
        std::vector<std::vector<int>> routes_of;  // per visit
    };

    Where locate() const {
        Where w;
        w.route_of_first.assign(ng_, -1);
        w.start_of_first.assign(ng_, 0);
        w.routes_of.assign(nv_, {});
        for (int s = 0; s < ns_; ++s) {
            const Route& r = routes_[s];
            for (size_t i = 0; i < r.visits.size(); ++i) {
                int v = r.visits[i];
                w.routes_of[v].push_back(s);
                int g = group_of_[v];
                if (groups_[g][0] == v && w.route_of_first[g] < 0) w.route_of_first[g] = s, w.start_of_first[g] = r.start[i];
            }
        }
        return w;
    }

    double related(const Where& w, int a, int b) const {
        if (a == b) return -1;
        if (w.route_of_first[a] < 0 || w.route_of_first[b] < 0) return 1e18;
        return (double)tt(vplace_[groups_[a][0]], vplace_[groups_[b][0]]) +
               0.5 * (double)std::llabs(w.start_of_first[a] - w.start_of_first[b]);
    }

    std::vector<int> ruin(int op, int size, const Where& w) {
        std::vector<int> served;
        for (int g = 0; g < ng_; ++g)
            if (served_[g]) served.push_back(g);
        if (served.empty()) return {};
        size = std::min<int>(size, (int)served.size());
        std::vector<int> out;
        auto by_relatedness = [&](int seed, std::vector<int> pool, int count) {
            std::vector<std::pair<double, int>> ranked;
            for (int g : pool) ranked.emplace_back(related(w, seed, g), g);
            std::sort(ranked.begin(), ranked.end());
            std::vector<int> res;
            for (int i = 0; i < count && i < (int)ranked.size(); ++i) res.push_back(ranked[i].second);
            return res;
        };
        switch (op) {
            case 0: {  // random
                for (int i = 0; i < size; ++i) {
                    int j = i + rng_.below((int)served.size() - i);
                    std::swap(served[i], served[j]);
                    out.push_back(served[i]);
                }
                break;
            }
            case 1: {  // related
                int seed = served[rng_.below((int)served.size())];
                out = by_relatedness(seed, served, size);
                break;
            }
            case 2: {  // worst: most detour per stop
                std::vector<double> saved(ng_, 0);
                std::vector<int> stops(ng_, 0);
                for (int s = 0; s < ns_; ++s) {
                    const Route& r = routes_[s];
                    int n = (int)r.visits.size();
                    for (int i = 0; i < n; ++i) {
                        int a = place_before(r, s, i), b = vplace_[r.visits[i]], c = place_of(r, s, i + 1);
                        int g = group_of_[r.visits[i]];
                        saved[g] += (double)(tt(a, b) + tt(b, c) - tt(a, c));
                        stops[g] += 1;
                    }
                }
                std::vector<std::pair<double, int>> ranked;
                for (int g : served) ranked.emplace_back(-(stops[g] ? saved[g] / stops[g] : 0), g);
                std::sort(ranked.begin(), ranked.end());
                for (int i = 0; i < size; ++i) {
                    double u = rng_.uniform();
                    int g = ranked[(size_t)(ranked.size() * u * u * u)].second;
                    if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
                }
                break;
            }
            case 3: {  // one whole route
                std::vector<int> busy;
                for (int s = 0; s < ns_; ++s)
                    if (!routes_[s].visits.empty()) busy.push_back(s);
                if (busy.empty()) break;
                int s = busy[rng_.below((int)busy.size())];
                for (int v : routes_[s].visits) {
                    int g = group_of_[v];
                    if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
                }
                break;
            }
            case 4: {  // a linked group and the groups near it on its routes
                std::vector<int> linked;
                for (int g : served)
                    if (gcopies_[g] > 1) linked.push_back(g);
                const auto& from = linked.empty() ? served : linked;
                int seed = from[rng_.below((int)from.size())];
                std::vector<int> near;
                for (int v : groups_[seed])
                    for (int s : w.routes_of[v])
                        for (int u : routes_[s].visits) {
                            int g = group_of_[u];
                            if (g != seed && std::find(near.begin(), near.end(), g) == near.end()) near.push_back(g);
                        }
                out.push_back(seed);
                for (int g : by_relatedness(seed, near, size - 1)) out.push_back(g);
                break;
            }
            default: {  // strings: a run of stops around a seed on its route and on the route nearest to it
                int seed = served[rng_.below((int)served.size())];
                int seed_place = vplace_[groups_[seed][0]];
                std::vector<int> routes_near;
                if (w.route_of_first[seed] >= 0) routes_near.push_back(w.route_of_first[seed]);
                int other = -1;
                i64 closest = NEVER;
                for (int s = 0; s < ns_; ++s) {
                    if (s == w.route_of_first[seed]) continue;
                    for (int u : routes_[s].visits)
                        if (tt(seed_place, vplace_[u]) < closest) closest = tt(seed_place, vplace_[u]), other = s;
                }
                if (other >= 0) routes_near.push_back(other);
                for (int s : routes_near) {
                    const Route& r = routes_[s];
                    int n = (int)r.visits.size();
                    if (n == 0) continue;
                    int len = rng_.between(1, std::min({n, STRING_MAX, std::max(1, size)}));
                    int centre = 0;
                    i64 d = NEVER;
                    for (int i = 0; i < n; ++i)
                        if (tt(seed_place, vplace_[r.visits[i]]) < d) d = tt(seed_place, vplace_[r.visits[i]]), centre = i;
                    int first = std::max(0, std::min(centre - rng_.below(len), n - len));
                    for (int i = first; i < first + len; ++i) {
                        int g = group_of_[r.visits[i]];
                        if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
                    }
                }
                break;
            }
        }
        return out;
    }

    // Recreate ------------------------------------------------------------------------------------

    std::vector<int> order(int op, std::vector<int> pool) {
        if (op == 2) {
            for (int i = (int)pool.size() - 1; i > 0; --i) std::swap(pool[i], pool[rng_.below(i + 1)]);
            return pool;
        }
        if (op == 1) {
            std::sort(pool.begin(), pool.end(), [&](int a, int b) {
                return std::make_tuple(-gcopies_[a], gwidth_[a], a) < std::make_tuple(-gcopies_[b], gwidth_[b], b);
            });
            return pool;
        }
        std::vector<std::pair<i64, int>> regrets;
        for (int g : pool) {
            std::vector<Candidate> all;
            int first = groups_[g][0];
            Ranges fr = groups_[g].size() == 1 ? visit_ranges(first) : first_ranges(g);
            std::vector<i64> best(ns_, NEVER);
            if (!fr.empty()) {
                screen_all(first, fr, all);
                for (auto& c : all) best[c.route] = std::min(best[c.route], c.estimate);
            }
            std::sort(best.begin(), best.end());
            i64 regret = best[0] == NEVER ? -1 : (ns_ > 1 && best[1] != NEVER ? best[1] - best[0] : NEVER);
            regrets.emplace_back(-regret, g);
        }
        std::sort(regrets.begin(), regrets.end());
        std::vector<int> out;
        for (auto& x : regrets) out.push_back(x.second);
        return out;
    }

    void screen_all(int v, const Ranges& allowed, std::vector<Candidate>& found) {
        for (int s : allowed_[v]) {
            const Route& r = routes_[s];
            if (!r.feasible) continue;
            if (scap_[s] >= 0 && r.load + vdemand_[v] > scap_[s] + 1e-9) continue;
            Ranges clipped = intersect(allowed, {{sstart_[s], slatest_[s]}});
            if (clipped.empty()) continue;
            int n = (int)r.visits.size();
            for (int g = 0; g <= n; ++g) {
                work_ += 1;
                i64 st = screen(s, g, 0, v, clipped);
                if (st == NONE) continue;
                int prev = place_before(r, s, g), next = place_of(r, s, g), pv = vplace_[v];
                found.push_back({tt(prev, pv) + tt(pv, next) - (n > 0 ? tt(prev, next) : 0), s, g, 0, st});
            }
        }
    }

    void restore() {
        for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) routes_[it->first] = std::move(it->second);
        saved_.clear();
    }

    void iterate() {
        ++iteration_;
        ++tick_;
        saved_.clear();
        int ru = pick(wruin_), rc = pick(wrec_);
        int most = std::max(2, (int)std::lround(share_ * ng_));
        Where w = locate();
        std::vector<int> removed = ruin(ru, rng_.between(1, most), w);
        std::vector<char> was = served_;
        for (int g : removed) {
            for (int v : groups_[g])
                for (int s : w.routes_of[v]) remove_visit(s, v);
            served_[g] = 0;
        }
        bool ok = true;
        for (auto& sv : saved_) {
            int s = sv.first;
            evaluate(routes_[s], s);
            if (!routes_[s].feasible) improve_breaks(s);
            ok &= routes_[s].feasible;
        }
        double score = 0;
        if (ok) {
            std::vector<int> pool;
            for (int g = 0; g < ng_; ++g)
                if (!served_[g]) pool.push_back(g);
            std::vector<int> todo = order(rc, pool);
            for (int g : todo)
                if (place(g, true)) served_[g] = 1;
            std::vector<int> touched;
            for (auto& sv : saved_)
                if (std::find(touched.begin(), touched.end(), sv.first) == touched.end()) touched.push_back(sv.first);
            for (int s : touched) {
                if (!breaks_[s].empty()) improve_breaks(s);
                ok &= routes_[s].feasible || routes_[s].visits.empty();
            }
        }
        if (ok) {
            Key cand = key();
            double progress = (double)iteration_ / (double)std::max<i64>(1, iterations_);
            if (work_budget_ > 0) progress = std::max(progress, (double)work_ / (double)work_budget_);
            double deviation = DEVIATION * std::max(0.0, 1 - progress);
            if (cand < best_key_) {
                best_key_ = cand;
                best_ = routes_;
                current_ = cand;
                score = SCORES[0];
                since_best_ = 0;
                share_ = RUIN_SHARE_LOW;
                ++new_bests_;
                saved_.clear();
            } else if (cand.first <= current_.first &&
                       (double)cand.second <= (double)best_key_.second * (1 + deviation)) {
                score = cand < current_ ? SCORES[1] : SCORES[2];
                current_ = cand;
                saved_.clear();
            } else {
                ok = false;
            }
        }
        if (!ok) {
            restore();
            served_ = was;
        }
        since_best_ += 1;
        if (since_best_ % STALL == 0) share_ = std::min(RUIN_SHARE_HIGH, share_ * 1.25);
        sruin_[ru] += score, uruin_[ru] += 1;
        srec_[rc] += score, urec_[rc] += 1;
        if (iteration_ % SEGMENT == 0) {
            blend(wruin_, sruin_, uruin_);
            blend(wrec_, srec_, urec_);
        }
    }
};

}  // namespace

PYBIND11_MODULE(_lnscore, m) {
    m.doc() = "The compiled core of the group moves (ahs_routing.solve.fastlns).";
    py::class_<Search>(m, "Search")
        .def(py::init<int, std::vector<i64>, std::vector<int>, std::vector<i64>, std::vector<int>, std::vector<i64>,
                      std::vector<i64>, std::vector<i64>, std::vector<int>, std::vector<int>, std::vector<int>,
                      std::vector<double>, std::vector<int>, std::vector<int>, std::vector<int>, std::vector<i64>,
                      std::vector<i64>, std::vector<int>, std::vector<int>, std::vector<i64>, std::vector<i64>,
                      std::vector<i64>, std::vector<int>, std::vector<int>, std::vector<i64>, std::vector<double>,
                      std::vector<int>, std::vector<i64>, std::vector<i64>, std::vector<i64>, int, i64, i64,
                      uint64_t, i64, i64>())
        .def("set_route", &Search::set_route)
        .def("start", &Search::start)
        .def("run", &Search::run, py::call_guard<py::gil_scoped_release>())
        .def("best", &Search::best)
        .def("best_price", &Search::best_price)
        .def("best_missing", &Search::best_missing)
        .def("iterations", &Search::iterations_done)
        .def("work", &Search::work)
        .def("new_bests", &Search::new_bests)
        .def("since_best", &Search::since_best);
}
