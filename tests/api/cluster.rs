//! The private cluster under real `faqd` processes: shared by several, outliving the
//! one that started it, restarted when its postmaster dies, no symbolic link
//! followed in the data directory, and a serving role that is not a superuser.
//!
//! These run the built binary with `FAQD_DATA_DIR` under `target/tmp`; each data
//! directory is kept between runs (initdb once), and its server is stopped when the
//! test's last faqd exits. Skipped when `DATABASE_URL` is set (no private cluster).

use std::io::{BufRead, BufReader};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use faqd::config::DatabaseSettings;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

fn skip() -> bool {
    let external = std::env::var_os("DATABASE_URL").is_some();
    if external {
        eprintln!("DATABASE_URL is set: no private cluster to test");
    }
    external
}

fn tmp(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// `faqd` with the environment every test here wants.
fn faqd(data_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_faqd"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DATABASE_URL")
        .env_remove("FAQD_MIGRATION_DATABASE_URL")
        .env("FAQD_DATA_DIR", data_dir)
        .env("FAQD_PG_NOSYNC", "1")
        .env("FAQD_EMBEDDINGS", "off")
        .env_remove("FAQD_EMBEDDINGS_URL")
        .env("FAQD_WORKERS", "1")
        // The product's own log filter, as a user gets it.
        .env_remove("RUST_LOG");
    cmd
}

/// A running `faqd serve`; killed (not stopped) when dropped.
struct Serve {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Serve {
    fn start(data_dir: &Path, name: &str) -> Serve {
        let log = tmp(&format!("{name}-{}.log", std::process::id()));
        let stderr = std::fs::File::create(&log).unwrap();
        let mut child = faqd(data_dir)
            .arg("serve")
            .env("FAQD_BIND", "127.0.0.1:0")
            .env(
                "FAQD_SEED_DIR",
                Path::new(env!("CARGO_MANIFEST_DIR")).join("seed"),
            )
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.trim().strip_prefix("API") {
                    let url = url.trim().trim_end_matches("/api/v1/pages").to_owned();
                    let _ = tx.send(url);
                }
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(180)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "faqd serve did not start: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
        };
        Serve { child, base, log }
    }

    fn pid(&self) -> Pid {
        Pid::from_raw(self.child.id() as i32)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, as a service manager stops it; waits for the exit.
    fn terminate(mut self) -> String {
        kill(self.pid(), Signal::SIGTERM).unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(
                    status.success(),
                    "faqd exited with {status}: {}",
                    self.log()
                );
                return self.log();
            }
            assert!(
                Instant::now() < deadline,
                "faqd did not stop: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // Kept for a look when the test failed.
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// A log with no warning or error line at all.
fn assert_no_warning(log: &str) {
    let loud: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .collect();
    assert!(loud.is_empty(), "a clean run logged {loud:#?}");
}

fn client() -> reqwest::Client {
    // No idle connections kept: a graceful stop does not wait for them.
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

async fn readyz(client: &reqwest::Client, serve: &Serve) -> reqwest::Response {
    client
        .get(format!("{}/readyz", serve.base))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap()
}

/// PGDATA of the cluster of `data_dir`: in it, or where `postgres-location` says.
fn pgdata(data_dir: &Path) -> PathBuf {
    let local = data_dir.join("postgres");
    if local.join("data").exists() {
        return local.join("data");
    }
    let text = std::fs::read_to_string(data_dir.join("postgres-location")).unwrap();
    PathBuf::from(text.lines().next().unwrap().trim()).join("data")
}

fn postmaster_pid(data_dir: &Path) -> Option<i32> {
    let text = std::fs::read_to_string(pgdata(data_dir).join("postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "faqd failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cluster_outlives_the_faqd_that_started_it_and_stops_with_the_last() {
    if skip() {
        return;
    }
    let data_dir = tmp("faqd-cluster-shared");
    std::fs::create_dir_all(&data_dir).unwrap();
    let client = client();

    let first = Serve::start(&data_dir, "shared-first");
    let second = Serve::start(&data_dir, "shared-second");
    assert_eq!(readyz(&client, &second).await.status(), 200);

    // A short-lived command shares it too, and leaves it running on exit.
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("seed/faq.md");
    let imported = ok(&faqd(&data_dir)
        .args(["import", seed.to_str().unwrap(), "--slug", "shared"])
        .output()
        .unwrap());
    assert!(imported.contains("shared"), "{imported}");
    assert_eq!(readyz(&client, &first).await.status(), 200);

    // The first one (which started the server, unless a crashed run left it up) goes.
    let log = first.terminate();
    assert!(
        log.contains("leaving the private PostgreSQL server"),
        "the first faqd left the server to the second: {log}"
    );
    for _ in 0..3 {
        assert_eq!(readyz(&client, &second).await.status(), 200);
        let page = client
            .get(format!("{}/api/v1/pages/shared", second.base))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // A clean stop is quiet: no warning (the change log's listener losing its closed pool
    // was one), from start to exit.
    assert_no_warning(&log);

    // A search leaves an insight pending, written by the last flush at shutdown: a flush that
    // failed would say so in the log.
    let found = client
        .get(format!("{}/api/v1/search?q=coach", second.base))
        .send()
        .await
        .unwrap();
    assert_eq!(found.status(), 200);

    // The last one stops it.
    let log = second.terminate();
    assert_no_warning(&log);
    assert!(
        log.contains("stopped private PostgreSQL server"),
        "the last faqd stops the server: {log}"
    );
    assert_eq!(postmaster_pid(&data_dir), None, "the server is stopped");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_postmaster_is_restarted_under_a_running_faqd() {
    if skip() {
        return;
    }
    let data_dir = tmp("faqd-cluster-supervised");
    std::fs::create_dir_all(&data_dir).unwrap();
    let client = client();
    let serve = Serve::start(&data_dir, "supervised");
    assert_eq!(readyz(&client, &serve).await.status(), 200);
    let name = format!("t{}", uuid::Uuid::new_v4().simple());
    let token = ok(&faqd(&data_dir)
        .args(["token", "create", "--name", &name, "--role", "editor"])
        .output()
        .unwrap());
    let token = token.trim();

    let killed = postmaster_pid(&data_dir).expect("the server runs");
    kill(Pid::from_raw(killed), Signal::SIGKILL).unwrap();

    // A write while the server is down: 503 with Retry-After and nothing stored, or
    // (if the server is back already) 201 and stored — never half of it.
    let during = format!("Was {name} written during the outage?");
    let res = client
        .post(format!("{}/api/v1/faqs", serve.base))
        .bearer_auth(token)
        .json(&serde_json::json!({"page": "faq", "question": during, "answer": "Maybe."}))
        .send()
        .await
        .unwrap();
    let written = match res.status().as_u16() {
        201 => true,
        503 => {
            assert!(res.headers().contains_key("retry-after"));
            false
        }
        other => panic!("a write during the outage answered {other}"),
    };

    let deadline = Instant::now() + Duration::from_secs(30);
    let mut statuses = Vec::new();
    loop {
        let res = readyz(&client, &serve).await;
        let status = res.status().as_u16();
        if status != 200 {
            assert_eq!(status, 503, "only 503 while the database is down");
            assert!(
                res.headers().contains_key("retry-after"),
                "503 says when to retry"
            );
        }
        statuses.push(status);
        let restarted = postmaster_pid(&data_dir).is_some_and(|pid| pid != killed);
        if status == 200 && restarted {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not ready again within 30 s ({statuses:?}): {}",
            serve.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!("readyz after the kill: {statuses:?}");

    // The same faqd process, and writes work again.
    assert!(
        kill(serve.pid(), None).is_ok(),
        "faqd was not restarted itself"
    );
    let res = client
        .post(format!("{}/api/v1/faqs", serve.base))
        .bearer_auth(token)
        .json(&serde_json::json!({
            "page": "faq",
            "question": format!("Does it survive {name}?"),
            "answer": "Yes."
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", serve.log());
    let page: serde_json::Value = client
        .get(format!("{}/api/v1/pages/faq", serve.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let questions: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["question"].as_str())
        .collect();
    assert_eq!(
        questions.contains(&during.as_str()),
        written,
        "{questions:?}"
    );
    let log = serve.log();
    assert!(log.contains("starting it again"), "{log}");
    serve.terminate();
    assert_eq!(postmaster_pid(&data_dir), None, "the server is stopped");
}

/// A fresh data directory holding a planted link, and its target.
struct Planted {
    dir: PathBuf,
    victim_file: PathBuf,
    victim_dir: PathBuf,
}

impl Planted {
    fn new(name: &str) -> Planted {
        let dir = tmp(&format!("faqd-planted-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let data = dir.join("data");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        let victim_file = dir.join("victim.txt");
        std::fs::write(&victim_file, "precious\n").unwrap();
        let victim_dir = dir.join("victim-dir");
        std::fs::create_dir(&victim_dir).unwrap();
        std::fs::set_permissions(&victim_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        Planted {
            dir,
            victim_file,
            victim_dir,
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn refused(&self, what: &str) -> String {
        let output = faqd(&self.data()).arg("migrate").output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(
            !output.status.success(),
            "{what}: faqd went ahead: {stderr}"
        );
        stderr
    }

    fn assert_untouched(&self) {
        assert_eq!(
            std::fs::read_to_string(&self.victim_file).unwrap(),
            "precious\n"
        );
        let file = std::fs::metadata(&self.victim_file).unwrap();
        let dir = std::fs::metadata(&self.victim_dir).unwrap();
        let me = nix::unistd::Uid::effective().as_raw();
        assert_eq!((file.uid(), file.mode() & 0o777), (me, 0o644));
        assert_eq!((dir.uid(), dir.mode() & 0o777), (me, 0o755));
        assert_eq!(std::fs::read_dir(&self.victim_dir).unwrap().count(), 0);
    }
}

impl Drop for Planted {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn symbolic_links_planted_in_the_data_directory_are_refused() {
    if skip() {
        return;
    }
    // Every name faqd opens, writes or changes the owner of directly in the data
    // directory (the cluster's own files are the server user's, created by initdb).
    // The users file is only written once the server runs: see the unit test
    // `update_users_refuses_a_planted_link`. `postgres-location` is only read as root.
    let root = nix::unistd::Uid::effective().is_root();
    let cases: [(&str, bool, bool); 3] = [
        (".faqd-cluster.lock", false, true),
        ("postgres-location", false, root),
        ("postgres", true, true),
    ];
    for (name, to_dir, applies) in cases {
        if !applies {
            continue;
        }
        let planted = Planted::new(&name.replace('.', ""));
        let target = if to_dir {
            &planted.victim_dir
        } else {
            &planted.victim_file
        };
        // The cluster directory is where faqd really puts it: `data/postgres`, or as root
        // when the `postgres` user cannot enter the data directory (a clone under a mode-700
        // folder such as `/root`), `/var/lib/faqd/<hash>`.
        let link = if name == "postgres" {
            faqd::db::cluster::new_cluster_dir(&planted.data()).unwrap()
        } else {
            planted.data().join(name)
        };
        let outside = !link.starts_with(planted.data());
        if let Some(parent) = link.parent().filter(|_| outside) {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::os::unix::fs::symlink(target, &link).unwrap();
        let stderr = planted.refused(name);
        if outside {
            let _ = std::fs::remove_file(&link);
        }
        let named = if outside {
            link.to_string_lossy().into_owned()
        } else {
            name.to_owned()
        };
        assert!(
            stderr.contains("symbolic link") && stderr.contains(&named),
            "{}: {stderr}",
            link.display()
        );
        planted.assert_untouched();
    }
}

#[test]
fn as_root_a_data_directory_others_control_is_refused() {
    if skip() || !nix::unistd::Uid::effective().is_root() {
        eprintln!("not root: nothing to check");
        return;
    }
    let planted = Planted::new("owner");
    std::os::unix::fs::chown(planted.data(), Some(65534), Some(65534)).unwrap();
    let stderr = planted.refused("a data directory of uid 65534");
    assert!(
        stderr.contains("refusing to use the data directory") && stderr.contains("uid 65534"),
        "{stderr}"
    );
    std::os::unix::fs::chown(planted.data(), Some(0), Some(0)).unwrap();
    std::fs::set_permissions(planted.data(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let stderr = planted.refused("a data directory anyone may write in");
    assert!(stderr.contains("may write in it"), "{stderr}");
    assert!(
        !planted.data().join("postgres").exists(),
        "nothing was created in it"
    );
    // A parent others may write in (without the sticky bit): they could swap the data
    // directory for another between two of root's steps.
    std::fs::set_permissions(planted.data(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&planted.dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let stderr = planted.refused("a data directory under a folder anyone may write in");
    assert!(stderr.contains("may rename what it holds"), "{stderr}");
    // A parent others own.
    std::fs::set_permissions(&planted.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::chown(&planted.dir, Some(65534), Some(65534)).unwrap();
    let stderr = planted.refused("a data directory under a folder of uid 65534");
    assert!(stderr.contains("above it belongs to uid 65534"), "{stderr}");
    std::os::unix::fs::chown(&planted.dir, Some(0), Some(0)).unwrap();
    assert!(
        !planted.data().join("postgres").exists(),
        "nothing was created in it"
    );
}

#[tokio::test]
async fn the_private_clusters_serving_pool_is_not_a_superuser() {
    if skip() {
        return;
    }
    // The test harness's cluster: this process may use it too, so closing here does
    // not stop it under the other tests.
    let settings = DatabaseSettings {
        database_url: None,
        migration_database_url: None,
        data_dir: tmp("faqd-test-data"),
        db_max_connections: 2,
    };
    let db = faqd::db::Database::open(&settings).await.unwrap();
    db.migrate().await.unwrap();

    let (user, superuser): (String, bool) = sqlx::query_as(
        "SELECT current_user::text, rolsuper FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(user, faqd::db::APP_ROLE);
    assert!(!superuser);

    for sql in [
        "COPY (SELECT 1) TO PROGRAM 'true'",
        "ALTER SYSTEM SET work_mem = '1MB'",
        "CREATE TABLE intruder (id int)",
        "DROP TABLE entries",
        "TRUNCATE changes",
        "SELECT pg_read_file('postgresql.conf')",
        "DELETE FROM _sqlx_migrations",
    ] {
        let err = sqlx::query(sql).execute(&db.pool).await.expect_err(sql);
        let code = err
            .as_database_error()
            .and_then(|e| e.code())
            .map(|c| c.into_owned());
        // 42501: insufficient_privilege.
        assert_eq!(code.as_deref(), Some("42501"), "{sql}: {err}");
    }

    // What serving needs still works: rows, triggers writing other tables,
    // LISTEN/NOTIFY, set_config, advisory locks.
    let mut tx = db.pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('faqd.actor', 'test', true), pg_advisory_xact_lock(42)")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("LISTEN faqd_changes")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("SELECT count(*) FROM changes")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    db.close().await;
}

#[tokio::test]
async fn with_database_url_faqd_serves_as_its_role_and_migrates_as_another() {
    if skip() {
        return;
    }
    let app = crate::helpers::spawn_app().await;
    let owner = app.database_url();
    let mut serving = url::Url::parse(&owner).unwrap();
    serving.set_username(faqd::db::APP_ROLE).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_faqd"))
        .args(["token", "create", "--name", "ext", "--role", "editor"])
        .env("DATABASE_URL", serving.as_str())
        .env("FAQD_MIGRATION_DATABASE_URL", &owner)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(ok(&output).trim().starts_with("faqd_"));
    let bad = Command::new(env!("CARGO_BIN_EXE_faqd"))
        .arg("migrate")
        .env("DATABASE_URL", serving.as_str())
        .env("FAQD_MIGRATION_DATABASE_URL", "not a url")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("invalid FAQD_MIGRATION_DATABASE_URL"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

/// The owner of `path` (not following a link).
fn owner(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().uid()
}

/// The socket directory the running server of `data_dir` announced (`postmaster.pid`).
fn socket_dir(data_dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(pgdata(data_dir).join("postmaster.pid")).unwrap();
    PathBuf::from(text.lines().nth(4).unwrap().trim())
}

/// Whether the system user `user` can enter `dir` (asked of the system: `test -x` as it).
fn can_enter(user: &str, dir: &Path) -> bool {
    Command::new("runuser")
        .args(["-u", user, "--", "test", "-x"])
        .arg(dir)
        .current_dir("/")
        .status()
        .unwrap()
        .success()
}

/// As root, the private cluster is run by faqd's own `faqd` system user (created when
/// missing), not by `postgres`, the system PostgreSQL's: its files, its server and its
/// trusted socket are out of that user's reach.
fn assert_run_by_faqds_own_user(data_dir: &Path) {
    let faqd = nix::unistd::User::from_name("faqd")
        .unwrap()
        .expect("faqd created its system user");
    assert!(!faqd.uid.is_root());
    let postgres = nix::unistd::User::from_name("postgres").unwrap();
    let cluster = pgdata(data_dir).parent().unwrap().to_path_buf();
    assert_eq!(owner(&cluster), faqd.uid.as_raw(), "{}", cluster.display());
    assert_eq!(owner(&pgdata(data_dir)), faqd.uid.as_raw());
    let pid = postmaster_pid(data_dir).expect("the server runs");
    assert_eq!(
        owner(Path::new(&format!("/proc/{pid}"))),
        faqd.uid.as_raw(),
        "the postmaster runs as faqd"
    );
    let socket = socket_dir(data_dir);
    assert_eq!(owner(&socket), faqd.uid.as_raw(), "{}", socket.display());
    assert_eq!(
        std::fs::symlink_metadata(&socket).unwrap().mode() & 0o777,
        0o700
    );
    if let Some(postgres) = postgres {
        assert_ne!(postgres.uid, faqd.uid);
        assert!(
            !can_enter("postgres", &socket),
            "the postgres user reaches the socket {}",
            socket.display()
        );
        assert!(!can_enter("postgres", &cluster));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn as_root_the_cluster_runs_as_faqds_own_user_and_older_ones_are_handed_over() {
    if skip() || !nix::unistd::Uid::effective().is_root() {
        return;
    }
    let Some(postgres) = nix::unistd::User::from_name("postgres").unwrap() else {
        eprintln!("no postgres user: no older cluster to hand over");
        return;
    };
    let data_dir = tmp("faqd-cluster-own-user");
    std::fs::create_dir_all(&data_dir).unwrap();
    let client = client();

    let serve = Serve::start(&data_dir, "own-user");
    assert_eq!(readyz(&client, &serve).await.status(), 200);
    assert_run_by_faqds_own_user(&data_dir);
    let socket = socket_dir(&data_dir);
    serve.terminate();
    assert_eq!(postmaster_pid(&data_dir), None, "the server is stopped");

    // A cluster an older faqd created as `postgres` (its files, and the socket directory
    // when it lives under /tmp).
    let cluster = pgdata(&data_dir).parent().unwrap().to_path_buf();
    let mut dirs = vec![cluster.clone()];
    if !socket.starts_with(&cluster) {
        dirs.push(socket);
    }
    let status = Command::new("chown")
        .arg("-R")
        .arg(format!("{}:{}", postgres.uid, postgres.gid))
        .args(&dirs)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(owner(&pgdata(&data_dir)), postgres.uid.as_raw());

    // The next start hands it over before starting its server, and every row is still there.
    let serve = Serve::start(&data_dir, "own-user-again");
    assert_eq!(readyz(&client, &serve).await.status(), 200);
    let page = client
        .get(format!("{}/api/v1/pages/faq", serve.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "the seeded page is still served");
    assert_run_by_faqds_own_user(&data_dir);
    let log = serve.terminate();
    assert!(
        log.contains("handed the private PostgreSQL cluster"),
        "{log}"
    );
    assert_no_warning(&log);
}
