//! The benchmark's baseline: one window, one static page that tells when it first painted
//! (`painted`: milliseconds since `main` started, as the app logs its own). Nothing else.

static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

#[tauri::command]
fn painted() {
    let ms = START.get().map(|t| t.elapsed().as_millis()).unwrap_or(0);
    println!("first paint {ms} ms after the start");
}

fn main() {
    START.get_or_init(std::time::Instant::now);
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![painted])
        .run(tauri::generate_context!())
        .expect("the minimal window");
}
