"""``cinemagraph studio``: start the local web editor and open it in the browser."""

from __future__ import annotations

import click

#: Hosts that only this machine reaches.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@click.command("studio")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Only this machine reaches the default; "
                   "0.0.0.0 lets anyone on the network in (a warning says so).")
@click.option("--port", type=click.IntRange(0, 65535), default=7860, show_default=True,
              help="Port to listen on.")
@click.option("--no-browser", is_flag=True, help="Do not open the page in a browser.")
@click.option("--max-upload-mb", type=click.FloatRange(0.01, 4096), default=64.0,
              show_default=True, help="Largest picture or project zip accepted, in MB.")
@click.option("--max-pixels", type=click.FloatRange(0.001, 1000), default=40.0,
              show_default=True, help="Largest picture accepted, in megapixels.")
@click.option("--model", default="CompVis/stable-diffusion-v1-4", show_default=True,
              help="Stable Diffusion 1.x model of the prompt box and of 'find from the "
                   "prompt': a Hugging Face id in the cache or a local diffusers folder.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto",
              show_default=True, help="Where the model runs.")
@click.option("--steps", type=click.IntRange(1, 1000), default=50, show_default=True,
              help="DDIM steps of a picture generated from a prompt.")
@click.option("--size", type=click.IntRange(64, 1024), default=512, show_default=True,
              help="Side in pixels of a generated picture (a multiple of 8).")
@click.option("--inversion-steps", type=click.IntRange(1, 1000), default=50,
              show_default=True, help="DDIM inversion steps of 'find from the prompt'.")
def studio_command(host: str, port: int, no_browser: bool, max_upload_mb: float,
                   max_pixels: float, model: str, device: str, steps: int, size: int,
                   inversion_steps: int) -> None:
    """Open the studio: paint what moves, freeze what stays, drag arrows for how it moves,
    watch the loop and export it. Runs offline; stop it with Ctrl-C."""
    try:
        import uvicorn

        from ..studio import StudioConfig, create_app
    except ImportError as exc:
        from ..errors import CinemagraphError

        raise CinemagraphError(
            f"the studio needs its extra packages ({exc.name} is missing): "
            "pip install 'cinemagraph[studio]'") from exc
    if host not in LOCAL_HOSTS:
        click.echo(f"warning: listening on {host}: anyone who can reach this machine on port "
                   f"{port} can use the studio and its files", err=True)
    config = StudioConfig(max_upload_bytes=round(max_upload_mb * 1024 * 1024),
                          max_upload_pixels=round(max_pixels * 1_000_000),
                          model=model, device=device, text_steps=steps, text_size=size,
                          inversion_steps=inversion_steps)
    app = create_app(config)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{shown if ':' not in shown else f'[{shown}]'}:{port}/"
    click.echo(f"cinemagraph studio at {url} (Ctrl-C stops it)")
    if not no_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning")
