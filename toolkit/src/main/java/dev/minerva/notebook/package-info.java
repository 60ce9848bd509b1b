/**
 * Headless Java notebooks: the Jupyter kernelspec of the project's Java kernel (rapaio, with a start-up
 * patch), the notebook parameters passed as environment variables, and the executor that runs
 * {@code jupyter nbconvert --execute}, retries only kernel start-up failures and reports the failing
 * cell and its exception.
 *
 * <p>Files: {@code .minerva/kernel/} holds the kernel jar and the patch jar (made by
 * {@code ./minerva setup}); {@code .minerva/jupyter/kernels/minerva-java/kernel.json} is the kernelspec,
 * found by Jupyter through {@code JUPYTER_PATH}.
 */
package dev.minerva.notebook;
